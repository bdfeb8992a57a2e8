"""Keras' progress bar ahead of the callbacks that print, so that no line lands on an unfinished bar."""

import keras

__all__ = ["progress_bar_first"]


def progress_bar_first(callbacks):
    """`callbacks` with a `keras.callbacks.ProgbarLogger` in front (unless they hold one).

    `fit` appends its own progress bar after the given callbacks, so a line
    printed in `on_epoch_end` (the tutorials' "epoch e, cost c") is written
    before the bar finishes its line: "loss: 97.4889Training epoch 1, cost ...".
    Given first, the bar ends its line before the others print. With
    `verbose=0` the bar prints nothing, as `fit`'s own.
    """
    callbacks = list(callbacks)
    if not any(isinstance(c, keras.callbacks.ProgbarLogger) for c in callbacks):
        callbacks.insert(0, keras.callbacks.ProgbarLogger())
    return callbacks
