"""keras_dlt: the LISA-lab Deep Learning Tutorials as modern Keras models.

Public names: `keras_dlt.datasets.load_mnist`, `keras_dlt.models.*`,
`keras_dlt.layers.ConvPool`, `keras_dlt.callbacks.*`,
`keras_dlt.plotting.tile_raster_images`.
"""

import os
import sys

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) buries the
# tutorial's output; keep errors only unless the user chose otherwise.
if "tensorflow" not in sys.modules:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_dlt import callbacks, core, datasets, initializers, layers, metrics, models, plotting, training  # noqa: E402

__version__ = "0.1.0"

__all__ = ["callbacks", "core", "datasets", "initializers", "layers", "metrics", "models", "plotting", "training", "__version__"]
