"""Building blocks, each a `keras.layers.Layer`."""

from keras_dlt.layers.autoencoder import TiedAutoencoder
from keras_dlt.layers.conv_pool import ConvPool
from keras_dlt.layers.random_affine import RandomAffine
from keras_dlt.layers.rbm import RBM

__all__ = ["ConvPool", "TiedAutoencoder", "RBM", "RandomAffine"]
