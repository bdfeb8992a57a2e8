"""TiedAutoencoder: the tutorial's dA layer (Vincent et al. 2008), optionally contractive.

Encoder y = s(W x~ + b), decoder z = s(W^T y + b'), where x~ is x with a
random `corruption_level` fraction of its entries set to 0 (binomial masking,
no rescaling). The decoder uses the encoder's own kernel (tied: one matrix).
The encoder can be an existing `Dense` layer, so that pretraining trains the
very kernel and bias a classifier uses.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_dlt.core.replicas import for_this_replica, replicas

from keras_dlt.layers.hidden_dense import build_hidden_dense, hidden_dense, with_wrapped_dense

__all__ = ["TiedAutoencoder"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class TiedAutoencoder(keras.layers.Layer):
    """Tied-weight (denoising, optionally contractive) autoencoder layer.

    Calling the layer returns the reconstruction *logits* `W^T y + b'`
    (apply `sigmoid` for z); the reconstruction cross-entropy is computed from
    them with softplus, stably (`reconstruction_cost`).

    Args:
        units: hidden units (ignored when `encoder` is given). Default 500.
        encoder: an existing `keras.layers.Dense` with sigmoid activation to
            wrap (weights shared, not copied). Default: a new one, with the
            tutorial's sigmoid initialisation.
        corruption_level: fraction of inputs zeroed in training, in [0, 1).
        contraction_level: weight of the contractive penalty (Rifai et al.
            2011), the squared Frobenius norm of the encoder's Jacobian,
            averaged over the batch. Default 0 (none).
        seed: seed of the corruption noise (and of the default initialiser).

    Example:
        >>> dae = TiedAutoencoder(500, corruption_level=0.3, seed=1)
        >>> logits = dae(x, training=True)         # corrupted input
        >>> cost = dae.reconstruction_cost(x, logits)
    """

    def __init__(self, units=500, encoder=None, corruption_level=0.0, contraction_level=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= corruption_level < 1.0:
            raise ValueError(
                f"TiedAutoencoder: corruption_level must be in [0, 1). Received: corruption_level={corruption_level}"
            )
        if contraction_level < 0:
            raise ValueError(
                f"TiedAutoencoder: contraction_level must be >= 0. Received: contraction_level={contraction_level}"
            )
        encoder = hidden_dense(units, encoder, seed, "TiedAutoencoder", "encoder", "encoder")
        self.encoder = encoder
        self.units = encoder.units
        self.corruption_level = float(corruption_level)
        self.contraction_level = float(contraction_level)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        n_visible = build_hidden_dense(self.encoder, input_shape, "TiedAutoencoder")
        self.visible_bias = self.add_weight(name="visible_bias", shape=(n_visible,), initializer="zeros")

    # -- the pieces --------------------------------------------------------
    def corrupt(self, x):
        """Zeroes each entry with probability `corruption_level` (no rescaling)."""
        if self.corruption_level == 0.0:
            return x
        if replicas() == 1:
            keep = keras.random.uniform(ops.shape(x), seed=self.seed_generator) >= self.corruption_level
        else:  # under tf.distribute each replica corrupts its share with its own noise
            seed = for_this_replica(keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32"))
            keep = tf.random.stateless_uniform(ops.shape(x), seed) >= self.corruption_level
        return ops.where(keep, x, ops.zeros_like(x))

    def encode(self, x):
        """Hidden values y = sigmoid(x W + b)."""
        return self.encoder(x)

    def decode_logits(self, y):
        """Reconstruction logits y W^T + b' (the tied decoder)."""
        return ops.matmul(y, ops.transpose(self.encoder.kernel)) + self.visible_bias

    def decode(self, y):
        """Reconstruction z = sigmoid(y W^T + b')."""
        return ops.sigmoid(self.decode_logits(y))

    def call(self, inputs, training=False):
        x = self.corrupt(inputs) if training else inputs
        return self.decode_logits(self.encode(x))

    @staticmethod
    def reconstruction_cost(x, logits):
        """Cross-entropy -sum_i [x log z + (1-x) log(1-z)], from logits, per example.

        Uses softplus(l) - x*l, which equals it for z = sigmoid(l) and never
        takes the log of an underflowed sigmoid.
        """
        logits = ops.cast(logits, "float32")  # float32 under mixed precision: a sum over every pixel
        return ops.sum(ops.softplus(logits) - ops.cast(x, "float32") * logits, axis=-1)

    def contractive_penalty(self, y):
        """Mean over the batch of ||dy/dx||_F^2 = sum_j (y_j (1 - y_j))^2 sum_i W_ij^2."""
        w2 = ops.sum(ops.square(ops.convert_to_tensor(self.encoder.kernel)), axis=0)  # [units], float32
        y = ops.cast(y, "float32")  # float32 under mixed precision, as the reconstruction cost
        return ops.mean(ops.sum(ops.square(y * (1.0 - y)) * w2, axis=-1))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "corruption_level": self.corruption_level,
                "contraction_level": self.contraction_level,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**with_wrapped_dense(config, "encoder"))
