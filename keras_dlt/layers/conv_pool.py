"""ConvPool: the tutorial's LeNetConvPoolLayer (and network3's ConvPoolLayer)."""

import keras
from keras import ops

from keras_dlt.initializers import for_activation

__all__ = ["ConvPool"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class ConvPool(keras.layers.Layer):
    """Valid convolution, then max-pooling, then bias and activation.

    As `LeNetConvPoolLayer`, the bias and the nonlinearity come *after* the
    pooling (one bias per feature map), which is cheaper than pooling the
    activations and gives the same result for monotonic activations.
    Images are channels-last, `[batch, height, width, channels]`.

    Args:
        filters: number of feature maps (the tutorial's `nkerns[i]`).
        kernel_size: filter `(height, width)` or an int. Default `(5, 5)`.
        pool_size: max-pooling `(rows, cols)` or an int; non-overlapping,
            borders that do not fill a window are ignored
            (`ignore_border=True`). Default `(2, 2)`.
        activation: applied after pooling and bias. Default `"tanh"`.
        kernel_initializer: default: the tutorial's uniform
            +-sqrt(6 / (fan_in + fan_out)), fan_out divided by the pool area
            (x4 for sigmoid).
        bias_initializer: default `"zeros"`.
        kernel_regularizer: optional, e.g. `keras.regularizers.L2(1e-4)`.
        seed: seed of the default kernel initializer.
        implementation: `"conv"` (a convolution then max-pooling), `"patches"`
            (for each of the pool's offsets, image patches times the kernel as
            one matrix product, then the elementwise max: same numbers,
            no pooling gradient), or `"auto"` (default): `"conv"`. On
            2026-12-02 `"conv"` trained LeNet 18-22 % faster than patches for
            its single-channel first layer, on one core and on two
            (bench/NOTES.md, "Speed per core").

    Example:
        >>> layer = ConvPool(20, (5, 5), (2, 2))
        >>> layer(keras.ops.zeros((8, 28, 28, 1))).shape
        (8, 12, 12, 20)
    """

    def __init__(
        self,
        filters,
        kernel_size=(5, 5),
        pool_size=(2, 2),
        activation="tanh",
        kernel_initializer=None,
        bias_initializer="zeros",
        kernel_regularizer=None,
        seed=None,
        implementation="auto",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if implementation not in ("auto", "conv", "patches"):
            raise ValueError(
                f"ConvPool: implementation must be 'auto', 'conv' or 'patches'. Received: implementation={implementation!r}"
            )
        self.implementation = implementation
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"ConvPool: filters must be a positive int. Received: filters={filters}")
        self.filters = filters
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.pool_size = _pair(pool_size, "pool_size")
        self.activation = keras.activations.get(activation)
        self.seed = seed
        if kernel_initializer is None:
            kernel_initializer = for_activation(
                activation, pool_area=self.pool_size[0] * self.pool_size[1], seed=seed
            )
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        height, width, channels = input_shape[1:]
        conv_h = _valid(height, self.kernel_size[0])
        conv_w = _valid(width, self.kernel_size[1])
        if conv_h is not None and (conv_h < self.pool_size[0] or conv_w < self.pool_size[1]):
            raise ValueError(
                f"ConvPool {self.name}: input {height}x{width} convolved with a "
                f"{self.kernel_size[0]}x{self.kernel_size[1]} filter gives {conv_h}x{conv_w}, "
                f"smaller than the {self.pool_size[0]}x{self.pool_size[1]} pool. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})
        self._use_patches = self.implementation == "patches"

    def call(self, inputs):
        height, width = inputs.shape[1], inputs.shape[2]
        if self._use_patches and height is not None and width is not None:
            x = self._conv_pool_by_patches(inputs, height, width)
        else:
            x = ops.conv(inputs, self.kernel, strides=1, padding="valid")
            x = ops.max_pool(x, pool_size=self.pool_size, strides=self.pool_size, padding="valid")
        return self.activation(x + self.bias)

    def _conv_pool_by_patches(self, inputs, height, width):
        """max over pool offsets (a, b) of conv(x)[p*i + a, q*j + b], as matmuls.

        For each offset, the patches whose convolution lands on that offset of
        every pooling window are a strided patch extraction; times the kernel
        (reshaped to [kh*kw*channels, filters], the patches' own order) they
        give that offset's convolution outputs. Their elementwise max is the
        pooled convolution, and its gradient is a cheap select.
        """
        kh, kw = self.kernel_size
        p, q = self.pool_size
        rows, cols = (height - kh + 1) // p, (width - kw + 1) // q
        kernel = ops.reshape(self.kernel, (-1, self.filters))
        pooled = None
        for a in range(p):
            for b in range(q):
                window = inputs[:, a : a + p * (rows - 1) + kh, b : b + q * (cols - 1) + kw, :]
                patches = ops.image.extract_patches(window, (kh, kw), strides=(p, q), padding="valid")
                out = ops.matmul(patches, kernel)
                pooled = out if pooled is None else ops.maximum(pooled, out)
        return pooled

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        out = []
        for size, k, p in zip((height, width), self.kernel_size, self.pool_size):
            conv = _valid(size, k)
            out.append(None if conv is None else conv // p)
        return (batch, out[0], out[1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "pool_size": self.pool_size,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "seed": self.seed,
                "implementation": self.implementation,
            }
        )
        return config


def _pair(value, name):
    if isinstance(value, int):
        value = (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValueError(f"ConvPool: {name} must be a positive int or a pair of them. Received: {name}={value}")
    return value


def _valid(size, k):
    return None if size is None else size - k + 1
