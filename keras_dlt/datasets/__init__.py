"""Where data comes from: MNIST (and, later, music corpora)."""

from keras_dlt.datasets.mnist import BUNDLED_SAMPLE, MNISTFormatError, load_mnist, read_idx
from keras_dlt.datasets.safe_pickle import UnsafePickleError, safe_load

__all__ = ["load_mnist", "read_idx", "MNISTFormatError", "BUNDLED_SAMPLE", "UnsafePickleError", "safe_load"]
