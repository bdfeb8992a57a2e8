"""Where a run's logs go: Keras' progress bar first, then the callbacks, then TensorBoard.

The order matters twice: the bar must end its line before a callback prints
(`keras_dlt.core.progress_bar_first`), and TensorBoard must come after the
callbacks that write into the epoch's logs (`PatienceEarlyStopping`'s
`val_error` and `test_error`, `ValidationFrameAccuracy`'s
`val_frame_accuracy`), so that it records them.
"""

import importlib.util
import os

import keras

from keras_dlt.core.progress import progress_bar_first

__all__ = ["run_callbacks", "tensorboard_callback"]


def tensorboard_callback(log_dir, part=None):
    """`keras.callbacks.TensorBoard` writing to `log_dir` (its folder `part` for one part of a run, e.g. `layer_0`).

    Raises a `ValueError` saying how to install tensorboard when it is missing
    (it is the `tensorboard` extra: `pip install "keras-dlt[tensorboard]"`).
    """
    if importlib.util.find_spec("tensorboard") is None:  # Keras' callback would fail only once it writes
        raise ValueError(f"TensorBoard logs to {log_dir}: the tensorboard package is not installed; "
                         f"pip install \"keras-dlt[tensorboard]\" (or tensorboard)")
    return keras.callbacks.TensorBoard(os.path.join(log_dir, part) if part else log_dir)


def run_callbacks(callbacks, tensorboard=None, part=None):
    """The callbacks of one `fit`: a progress bar first, `callbacks`, then TensorBoard if `tensorboard` names a folder."""
    return progress_bar_first([*callbacks, *([tensorboard_callback(tensorboard, part)] if tensorboard else [])])
