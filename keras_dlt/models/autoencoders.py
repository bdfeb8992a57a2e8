"""The denoising autoencoder tutorial (dA.py) as a Keras model trained by `fit(x)`."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.layers.autoencoder import TiedAutoencoder

__all__ = ["DenoisingAutoencoder"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class DenoisingAutoencoder(keras.Model):
    """Tied-weight denoising (optionally contractive) autoencoder, trained by `fit(x)`.

    The cost is the reconstruction cross-entropy of the *clean* input from
    the corrupted one, summed over inputs and averaged over the batch
    (computed from logits), plus `contraction_level` times the contractive
    penalty; `fit` reports it as `loss`. `evaluate` reports the same cost
    without corruption. Calling the model gives the reconstruction z.

    Args:
        n_hidden: hidden units. Default 500.
        corruption_level: fraction of inputs zeroed while training, [0, 1).
            The tutorial shows 0.0 and 0.3.
        contraction_level: weight of the contractive penalty. Default 0.
        seed: seed of the initialisation and of the corruption noise.
        encoder: optional `Dense` (sigmoid) to train in place.

    Example:
        >>> dae = DenoisingAutoencoder(n_hidden=500, corruption_level=0.3, seed=1)
        >>> dae.compile()                     # the tutorial's SGD, lr 0.1
        >>> dae.fit(x_train, batch_size=20, epochs=15)
        >>> h = dae.encode(x_test); z = dae.reconstruct(x_test)
    """

    default_learning_rate = 0.1

    def __init__(self, n_hidden=500, corruption_level=0.0, contraction_level=0.0, seed=None, encoder=None, **kwargs):
        super().__init__(**kwargs)
        self.autoencoder = TiedAutoencoder(
            n_hidden, encoder=encoder, corruption_level=corruption_level,
            contraction_level=contraction_level, seed=seed, name="dA",
        )
        self.n_hidden = self.autoencoder.units
        self.corruption_level = self.autoencoder.corruption_level
        self.contraction_level = self.autoencoder.contraction_level
        self.seed = seed
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def compile(self, optimizer=None, **kwargs):
        """`Model.compile`; default optimizer: plain SGD at the tutorial's lr 0.1."""
        if optimizer is None:
            optimizer = keras.optimizers.SGD(learning_rate=self.default_learning_rate)
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    # -- computation ---------------------------------------------------------
    @staticmethod
    def _flat(x):
        x = ops.convert_to_tensor(x)
        if len(x.shape) > 2 and all(d is not None for d in x.shape[1:]):
            x = ops.reshape(x, (-1, math.prod(x.shape[1:])))
        return ops.cast(x, "float32")

    def build(self, input_shape):
        self.autoencoder.build((None, math.prod(input_shape[1:])))
        self.built = True

    def call(self, inputs, training=False):
        return ops.sigmoid(self.autoencoder(self._flat(inputs), training=training))

    def cost(self, x, training=False):
        """Mean reconstruction cross-entropy (+ contractive penalty) of a batch."""
        x = self._flat(x)
        ae = self.autoencoder
        y = ae.encode(ae.corrupt(x) if training else x)
        cost = ops.mean(ae.reconstruction_cost(x, ae.decode_logits(y)))
        if ae.contraction_level:
            cost = cost + ae.contraction_level * ae.contractive_penalty(y)
        return cost

    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            cost = self.cost(x, training=True)
        grads = tape.gradient(cost, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self.loss_tracker.update_state(cost)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        self.loss_tracker.update_state(self.cost(x, training=False))
        return {"loss": self.loss_tracker.result()}

    def encode(self, x):
        """Hidden representation sigmoid(x W + b) of clean inputs."""
        return self.autoencoder.encode(self._flat(x))

    def reconstruct(self, x):
        """Reconstruction z of clean inputs (no corruption)."""
        return self(x, training=False)

    # -- checks ----------------------------------------------------------------
    def fit(self, x=None, y=None, *args, **kwargs):
        """`Model.fit(x)`, after checking numpy inputs lie in [0, 1] (cross-entropy targets)."""
        _check_unit_interval(x, "DenoisingAutoencoder: x")
        self._build_from(x)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`Model.evaluate(x)`: the reconstruction cost of clean inputs."""
        _check_unit_interval(x, "DenoisingAutoencoder: x")
        self._build_from(x)
        return super().evaluate(x, y, *args, **kwargs)

    def _build_from(self, x):
        """Builds the weights from the data's shape (train_step never calls the model)."""
        if self.built:
            return
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            shape = (spec[0] if isinstance(spec, tuple) else spec).shape
        else:
            shape = np.shape(x)
        self.build(tuple(shape))

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "n_hidden": self.n_hidden,
            "corruption_level": self.corruption_level,
            "contraction_level": self.contraction_level,
            "seed": self.seed,
        }


def _check_unit_interval(x, what):
    if isinstance(x, np.ndarray) and x.size:
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{what} holds {int(x.size - np.count_nonzero(np.isfinite(x)))} NaN or infinite values.")
        lo, hi = float(x.min()), float(x.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"{what} must lie in [0, 1] (the reconstruction cross-entropy treats inputs as probabilities); "
                f"got range [{lo}, {hi}]."
            )
