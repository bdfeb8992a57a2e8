"""The denoising autoencoder tutorial (dA.py) as a Keras model trained by `fit(x)` (Vincent et al. 2008)."""

import math

import keras
import tensorflow as tf
from keras import ops

from keras_dlt.core.export import ExportsEndpoints
from keras_dlt.core.products import sum_of_products
from keras_dlt.core.replicas import apply_step
from keras_dlt.layers.autoencoder import TiedAutoencoder
from keras_dlt.models.tutorial_sgd import TutorialSGD
from keras_dlt.models.visible_inputs import VisibleInputs

__all__ = ["DenoisingAutoencoder"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class DenoisingAutoencoder(ExportsEndpoints, VisibleInputs, TutorialSGD, keras.Model):
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

    # -- computation ---------------------------------------------------------
    def _n_visible(self):
        encoder = self.autoencoder.encoder
        return encoder.kernel.shape[0] if encoder.built else None

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

    def cost_and_gradients(self, x, x_tilde):
        """The cost and its gradients w.r.t. (kernel, bias, visible bias), written out.

        For the plain dA (no contractive penalty) the backward pass is short
        enough to write down, and doing so is several times faster at small
        batches than autodiff through the tied transpose (bench/NOTES.md):
        with l = y W^T + b', y = sigmoid(x~ W + b) and the cost averaged over
        the n examples, dC/dl = (sigmoid(l) - x)/n, dC/d(x~ W + b) =
        (dC/dl W) y (1 - y), and the kernel's gradient is the sum of the
        encoder's x~^T dC/d(x~W+b) and the decoder's (dC/dl)^T y, computed as
        one matmul (`core.products.sum_of_products`). Equal to `tf.GradientTape` on `cost`
        (tested).
        """
        ae = self.autoencoder
        w, b, b_vis = ae.encoder.kernel, ae.encoder.bias, ae.visible_bias
        y = tf.sigmoid(tf.matmul(x_tilde, w) + b)
        logits = tf.matmul(y, w, transpose_b=True) + b_vis
        n = tf.cast(tf.shape(x)[0], x.dtype)
        d_logits = (tf.sigmoid(logits) - x) / n
        d_pre = tf.matmul(d_logits, w) * y * (1.0 - y)
        d_w = sum_of_products((x_tilde, d_pre), (d_logits, y))
        cost = tf.reduce_sum(ae.reconstruction_cost(x, logits)) / n
        return cost, [d_w, tf.reduce_sum(d_pre, 0), tf.reduce_sum(d_logits, 0)]

    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        ae = self.autoencoder
        variables = [ae.encoder.kernel, ae.encoder.bias, ae.visible_bias]
        if ae.contraction_level or not all(v.trainable for v in variables):
            with tf.GradientTape() as tape:
                cost = self.cost(x, training=True)
                scaled = self.optimizer.scale_loss(cost)  # mixed precision: no float16 gradient underflows
            variables = self.trainable_weights
            apply_step(self.optimizer, tape.gradient(scaled, variables), variables, loss_scaled=True)
        else:
            x = self._flat(x)
            cost, grads = self.cost_and_gradients(x, ae.corrupt(x))
            apply_step(self.optimizer, grads, variables)  # one device's float32 step, under any strategy
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

    def endpoints(self):
        """SavedModel endpoints: `serve` and `reconstruct` (z) and `encode` (y), of `[n, n_visible]` float32."""
        spec = [tf.TensorSpec((None, self.autoencoder.encoder.kernel.shape[0]), tf.float32, name="x")]
        return {"serve": (self.reconstruct, spec), "reconstruct": (self.reconstruct, spec), "encode": (self.encode, spec)}

    def get_config(self):
        return {
            **super().get_config(),
            "n_hidden": self.n_hidden,
            "corruption_level": self.corruption_level,
            "contraction_level": self.contraction_level,
            "seed": self.seed,
        }
