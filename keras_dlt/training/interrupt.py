"""Ctrl+C ends `fit` cleanly after the current step, so that a long run still saves and reports."""

import signal
import threading

import keras

__all__ = ["StopOnInterrupt"]


class StopOnInterrupt(keras.callbacks.Callback):
    """During `fit`, the first Ctrl+C (SIGINT) sets `model.stop_training`; a second one aborts as usual.

    Catching `KeyboardInterrupt` around `fit` instead stops wherever the
    exception lands (inside a callback, half-way through writing a file) and
    skips the callbacks' `on_train_end`, so `PatienceEarlyStopping` would not
    restore the best weights. With this callback the step in flight ends,
    Keras sees the flag, and training ends as if it had run out of epochs.
    Outside the main thread, where Python cannot take signals, and in a
    process that ignores SIGINT (a background job of a shell, as Python
    itself respects), it does nothing.

    Args:
        message: printed at the first Ctrl+C (None: nothing).

    Attributes:
        interrupted: True once Ctrl+C stopped this `fit`.
    """

    def __init__(self, message="Interrupted by user: stopping after this step."):
        super().__init__()
        self.message = message
        self.interrupted = False
        self._previous = None

    def _handler(self, signum, frame):
        self.interrupted = True
        self.model.stop_training = True
        signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)  # a second Ctrl+C aborts
        if self.message:
            print(f"\n{self.message}", flush=True)

    def on_train_begin(self, logs=None):
        self.interrupted = False
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def on_train_end(self, logs=None):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
