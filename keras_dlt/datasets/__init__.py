"""Where data comes from: MNIST, small real-valued sets, music corpora."""

from keras_dlt.datasets.mnist import BUNDLED_SAMPLE, MNISTFormatError, load_mnist, read_idx
from keras_dlt.datasets.music import BUNDLED_JSB, load_piano_rolls
from keras_dlt.datasets.real_valued import MIXTURE_CENTERS, gaussian_mixture, pooled_digits
from keras_dlt.datasets.safe_pickle import UnsafePickleError, safe_load

__all__ = ["load_mnist", "read_idx", "MNISTFormatError", "BUNDLED_SAMPLE", "UnsafePickleError", "safe_load",
           "gaussian_mixture", "MIXTURE_CENTERS", "pooled_digits",
           "load_piano_rolls", "BUNDLED_JSB"]
