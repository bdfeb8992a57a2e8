"""Building blocks, each a `keras.layers.Layer`."""

from keras_dlt.layers.conv_pool import ConvPool

__all__ = ["ConvPool"]
