"""Ctrl+C ends `fit` cleanly after the current step, so that a long run still saves and reports."""

import signal
import threading

import keras

__all__ = ["StopOnInterrupt"]


class StopOnInterrupt(keras.callbacks.Callback):
    """During `fit`, the first Ctrl+C (SIGINT) sets `model.stop_training`; a second one aborts as usual.

    Catching `KeyboardInterrupt` around `fit` instead can miss the key press:
    the exception is raised in whatever Python code runs next in the main
    thread, and if that is a finalizer or a callback that TF runs, it is
    printed and dropped (a test run saw training go on after Ctrl+C). A
    flag that Keras reads after every step is not lost. Callbacks that run at
    the end of training (`PatienceEarlyStopping` restoring the best weights)
    still run. Outside the main thread, where Python cannot take signals, it
    does nothing.

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
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def on_train_end(self, logs=None):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
