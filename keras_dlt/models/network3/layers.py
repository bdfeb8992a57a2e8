"""network3's layer specs on Keras layers: `FullyConnectedLayer`, `SoftmaxLayer`, `ConvPoolLayer`, activations.

    net = Network([
        ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(20, 1, 5, 5), poolsize=(2, 2), activation_fn=ReLU),
        FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, activation_fn=ReLU),
        SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size=10)
    net.SGD(training_data, 60, 10, 0.03, validation_data, test_data, lmbda=0.1)

What differs from network3, on purpose:
- Dropout is Keras' op (inverted: kept inputs are scaled by 1/(1-p) while
  training, nothing at inference); both give the same expected activations.
  A layer with dropout multiplies its inputs by (1-p) after it, in both
  phases, so its `w` is network3's own: training computes network3's
  masked product (mask * x) w exactly, inference its (1-p) x w. Inverted
  dropout on its own with network3's initialisation and eta would train
  another network: its weights would act 1/(1-p) larger (2x at p=0.5) and
  its SGD steps be 1/(1-p)^2 larger (4x) than network3's.
- Images flow as [n, h, w, c] (network3: [n, c, h, w]); a fully connected
  layer after a convolution sees the same numbers in another order.
- The mini-batch size in `image_shape` is not binding: any batch size works.
- The softmax's cost is computed from its logits (no log of a probability).
Nielsen's initialisations (weights N(0, 1/n_out), biases N(0, 1); zeros for
the softmax) and his L2 term 0.5 * lmbda * sum(w^2) / num_training_batches
(as `keras_dlt.regularizers.L1L2` on each weight matrix) are kept.
"""

import math

import keras
from keras import ops

from keras_dlt.core.checks import check_positive_int
from keras_dlt.core.random import sub_seed
from keras_dlt.layers.conv_pool import ConvPool

__all__ = ["FullyConnectedLayer", "ConvPoolLayer", "SoftmaxLayer", "ReLU", "sigmoid", "tanh", "linear"]


# -- network3's activation functions ------------------------------------------------
def linear(z):
    """The identity, network3's `linear` activation."""
    return z


def ReLU(z):  # noqa: N802 (network3's name)
    """Rectified linear units, max(0, z) (network3's `ReLU`)."""
    return ops.maximum(0.0, z)


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), network3's default activation."""
    return ops.sigmoid(z)


def tanh(z):
    """The hyperbolic tangent (network3's `tanh`)."""
    return ops.tanh(z)


_ACTIVATIONS = {"linear": linear, "ReLU": ReLU, "sigmoid": sigmoid, "tanh": tanh}
_KERAS_NAMES = {"linear": "linear", "ReLU": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


def _activation_name(fn, where):
    for name, f in _ACTIVATIONS.items():
        if fn is f or fn == name:
            return name
    raise ValueError(f"{where}: activation_fn must be one of ReLU, sigmoid, tanh, linear (from "
                     f"keras_dlt.models.network3, or their names). Received: {fn!r}")


def _check_dropout(p, where):
    if not (isinstance(p, (int, float)) and 0.0 <= p < 1.0):
        raise ValueError(f"{where}: p_dropout must be in [0, 1). Received: p_dropout={p}")
    return float(p)


# -- the layers ----------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="keras_dlt")
class FullyConnectedLayer(keras.layers.Layer):
    """network3's fully connected layer: activation_fn(dropout(x) W + b), dropout on its input.

    Args:
        n_in, n_out: sizes (inputs are flattened to n_in).
        activation_fn: ReLU, sigmoid (default), tanh or linear.
        p_dropout: dropout probability of the layer's inputs while training
            (network3's: `w` multiplies the masked inputs unscaled, and is
            scaled by (1-p_dropout) at inference).
        seed: seed of the initialisation and of the dropout masks.
        dropout_form: "network3" (default: the above) or "inverted" (Keras'
            inverted dropout alone, as keras_dlt trained before 2026-11-24:
            another optimisation, see the module docstring; `.keras` files
            saved before then load in that form).
    """

    def __init__(self, n_in, n_out, activation_fn=sigmoid, p_dropout=0.0, seed=None, dropout_form="network3",
                 **kwargs):
        super().__init__(**kwargs)
        where = type(self).__name__
        if dropout_form not in ("network3", "inverted"):
            raise ValueError(f'{where}: dropout_form must be "network3" or "inverted". Received: {dropout_form!r}')
        self.dropout_form = dropout_form
        self.n_in, self.n_out = check_positive_int(n_in, "n_in", where), check_positive_int(n_out, "n_out", where)
        self.activation_name = _activation_name(activation_fn, where)
        self.activation_fn = _ACTIVATIONS[self.activation_name]
        self.p_dropout = _check_dropout(p_dropout, where)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _initializers(self):
        return (keras.initializers.RandomNormal(0.0, math.sqrt(1.0 / self.n_out), seed=self.seed),
                keras.initializers.RandomNormal(0.0, 1.0, seed=sub_seed(self.seed, 1)))

    def build(self, input_shape):
        w_init, b_init = self._initializers()
        self.w = self.add_weight(name="w", shape=(self.n_in, self.n_out), initializer=w_init)
        self.b = self.add_weight(name="b", shape=(self.n_out,), initializer=b_init)

    def logits(self, inputs, training=False):
        x = ops.reshape(inputs, (-1, self.n_in))
        if training and self.p_dropout > 0.0:
            x = keras.random.dropout(x, self.p_dropout, seed=self.seed_generator)  # mask * x / (1-p)
        if self.p_dropout > 0.0 and self.dropout_form == "network3":
            # network3's scale in both phases (module docstring): (mask * x) w while training, (1-p) x w after;
            # the factor goes on the [batch, n_in] inputs, cheaper than on w.
            x = (1.0 - self.p_dropout) * x
        return ops.matmul(x, self.w) + self.b

    def call(self, inputs, training=False):
        return self.activation_fn(self.logits(inputs, training))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_out)

    def get_config(self):
        config = super().get_config()
        config.update({"n_in": self.n_in, "n_out": self.n_out, "activation_fn": self.activation_name,
                       "p_dropout": self.p_dropout, "seed": self.seed, "dropout_form": self.dropout_form})
        return config

    @classmethod
    def from_config(cls, config):
        # A config without dropout_form was saved before the option existed, when dropout was inverted alone.
        return super().from_config({"dropout_form": "inverted", **config})


@keras.saving.register_keras_serializable(package="keras_dlt")
class SoftmaxLayer(FullyConnectedLayer):
    """network3's softmax output layer: softmax(dropout(x) W + b), weights and biases start at zero."""

    def __init__(self, n_in, n_out, p_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("activation_fn", None)
        super().__init__(n_in, n_out, activation_fn=linear, p_dropout=p_dropout, seed=seed, **kwargs)

    def _initializers(self):
        return "zeros", "zeros"

    def call(self, inputs, training=False):
        return ops.softmax(self.logits(inputs, training))


@keras.saving.register_keras_serializable(package="keras_dlt")
class ConvPoolLayer(keras.layers.Layer):
    """network3's convolution + max-pooling layer, on `keras_dlt.layers.ConvPool` (pool, then bias, activation).

    Args:
        filter_shape: (n_filters, n_input_feature_maps, filter_h, filter_w).
        image_shape: (mini_batch_size, n_input_feature_maps, h, w); the batch
            size is not binding.
        poolsize: (y, x) pooling sizes. Default (2, 2).
        activation_fn: ReLU, sigmoid (default), tanh or linear.
        seed: seed of the initialisation.
    """

    def __init__(self, filter_shape, image_shape, poolsize=(2, 2), activation_fn=sigmoid, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = type(self).__name__
        self.filter_shape = tuple(int(d) for d in filter_shape)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.poolsize = tuple(int(d) for d in poolsize)
        if len(self.filter_shape) != 4 or len(self.image_shape) != 4 or len(self.poolsize) != 2:
            raise ValueError(f"{where}: need filter_shape (n_filters, n_maps, h, w), image_shape (batch, n_maps, h, "
                             f"w), poolsize (y, x). Received: {filter_shape}, {image_shape}, {poolsize}")
        if self.filter_shape[1] != self.image_shape[1]:
            raise ValueError(f"{where}: filter_shape[1] ({self.filter_shape[1]} input maps) must equal "
                             f"image_shape[1] ({self.image_shape[1]}).")
        _, c, h, w = self.image_shape
        conv_h, conv_w = h - self.filter_shape[2] + 1, w - self.filter_shape[3] + 1
        if conv_h < 1 or conv_w < 1 or conv_h % self.poolsize[0] or conv_w % self.poolsize[1]:
            raise ValueError(f"{where}: a {self.filter_shape[2]}x{self.filter_shape[3]} filter on {h}x{w} images "
                             f"gives {conv_h}x{conv_w} maps, which {self.poolsize} pooling does not tile.")
        self.output_maps = (self.filter_shape[0], conv_h // self.poolsize[0], conv_w // self.poolsize[1])
        self.n_in, self.n_out = c * h * w, math.prod(self.output_maps)
        self.activation_name = _activation_name(activation_fn, where)
        self.activation_fn = _ACTIVATIONS[self.activation_name]
        self.seed = seed
        fan_out = self.filter_shape[0] * self.filter_shape[2] * self.filter_shape[3] / math.prod(self.poolsize)
        self.conv = ConvPool(
            self.filter_shape[0], kernel_size=self.filter_shape[2:], pool_size=self.poolsize,
            activation=_KERAS_NAMES[self.activation_name],
            kernel_initializer=keras.initializers.RandomNormal(0.0, math.sqrt(1.0 / fan_out), seed=seed),
            bias_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=sub_seed(seed, 1)),
            name="conv_pool")

    def _images(self, inputs):
        _, c, h, w = self.image_shape
        if len(inputs.shape) == 4:
            return inputs
        if len(inputs.shape) == 3:  # [n, h, w]
            return ops.expand_dims(inputs, -1)
        # Flat, in network3's [c, h, w] order.
        return ops.transpose(ops.reshape(inputs, (-1, c, h, w)), (0, 2, 3, 1))

    def build(self, input_shape):
        _, c, h, w = self.image_shape
        if not self.conv.built:
            self.conv.build((None, h, w, c))

    def call(self, inputs, training=False):
        return self.conv(self._images(inputs))

    def compute_output_shape(self, input_shape):
        f, h, w = self.output_maps
        return (input_shape[0], h, w, f)

    def get_config(self):
        config = super().get_config()
        config.update({"filter_shape": self.filter_shape, "image_shape": self.image_shape,
                       "poolsize": self.poolsize, "activation_fn": self.activation_name, "seed": self.seed})
        return config


def describe(layer):
    """What a layer gives the next one, for error messages."""
    if isinstance(layer, ConvPoolLayer):
        f, h, w = layer.output_maps
        return f"{f} maps of {h}x{w} = {layer.n_out} values"
    return f"n_out={layer.n_out}"
