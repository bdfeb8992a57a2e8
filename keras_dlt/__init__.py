"""keras_dlt: the LISA-lab Deep Learning Tutorials as modern Keras models.

Public names: `keras_dlt.datasets.load_mnist`, `keras_dlt.models.*`,
`keras_dlt.layers.ConvPool`, `keras_dlt.callbacks.*`,
`keras_dlt.plotting.tile_raster_images`.

Importing the package changes nothing in your process (no environment
variables, no logging settings) and loads its subpackages, and with them
TensorFlow, on first use (`keras_dlt.models`, ...).
"""

import importlib

from keras_dlt._version import __version__

_SUBPACKAGES = ("callbacks", "core", "datasets", "initializers", "layers", "metrics", "models", "optimizers",
                "plotting", "regularizers", "training")

__all__ = [*_SUBPACKAGES, "__version__"]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"keras_dlt.{name}")
    raise AttributeError(f"module 'keras_dlt' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
