"""Building blocks, each a `keras.layers.Layer`.

The RBM layer is `RBMLayer` (it lives with the Boltzmann family,
`keras_dlt.models.boltzmann.layer`); `keras_dlt.models.RBM` is the model.
"""

import importlib

from keras_dlt.layers.autoencoder import TiedAutoencoder
from keras_dlt.layers.conv_pool import ConvPool
from keras_dlt.layers.random_affine import RandomAffine

__all__ = ["ConvPool", "TiedAutoencoder", "RBMLayer", "RandomAffine"]


def __getattr__(name):
    if name == "RBMLayer":  # on first use: the Boltzmann family imports this package
        return importlib.import_module("keras_dlt.models.boltzmann.layer").RBMLayer
    if name == "RBM":
        raise AttributeError("keras_dlt.layers.RBM is now keras_dlt.layers.RBMLayer (the layer); "
                             "keras_dlt.models.RBM is the model trained by fit(x).")
    raise AttributeError(f"module 'keras_dlt.layers' has no attribute {name!r}")
