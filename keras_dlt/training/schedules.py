"""Learning-rate decay from the tutorial's tips and the study notes.

- `inverse_time_decay`: eta = eta0 / (1 + d * epoch) (tutorial 5.4.3, d ~ 1e-3),
  a Keras `LearningRateScheduler`.
- `HalveOnPlateau`: on a plateau ("no improvement in n" epochs) halve the
  learning rate instead of stopping, down to eta0 / 1024; at the next plateau
  there, stop. Keras' `ReduceLROnPlateau` with a stopping rule on top.
"""

import keras

__all__ = ["inverse_time_decay", "HalveOnPlateau"]


def inverse_time_decay(eta0, decay, verbose=0):
    """A callback setting the learning rate to `eta0 / (1 + decay * epoch)`.

    Args:
        eta0: initial learning rate (> 0).
        decay: the decrease constant `d` (>= 0), e.g. 1e-3.
        verbose: passed to `keras.callbacks.LearningRateScheduler`.

    Example:
        >>> model.fit(x, y, epochs=100, callbacks=[inverse_time_decay(0.1, 1e-3)])
    """
    if eta0 <= 0:
        raise ValueError(f"inverse_time_decay: eta0 must be > 0. Received: eta0={eta0}")
    if decay < 0:
        raise ValueError(f"inverse_time_decay: decay must be >= 0. Received: decay={decay}")
    return keras.callbacks.LearningRateScheduler(lambda epoch: eta0 / (1.0 + decay * epoch), verbose=verbose)


class HalveOnPlateau(keras.callbacks.ReduceLROnPlateau):
    """Halves the learning rate on a plateau down to `eta0 / min_fraction`, then stops.

    Args:
        monitor: default `"val_error"` (lower is better).
        patience: epochs with no improvement that make a plateau
            ("no-improvement-in-n"). Default 10.
        factor: multiplier at each plateau. Default 0.5.
        min_fraction: the floor is `eta0 / min_fraction`. Default 1024.
        eta0: initial learning rate; default: read from the optimizer when
            training begins.
        mode: default `"min"`.
        **kwargs: other `ReduceLROnPlateau` arguments (`min_delta`,
            `cooldown`, `verbose`).

    Attributes:
        stopped_epoch: the epoch at which training was stopped, or None.
    """

    def __init__(self, monitor="val_error", patience=10, factor=0.5, min_fraction=1024, eta0=None, mode="min", **kwargs):
        if min_fraction < 1:
            raise ValueError(f"HalveOnPlateau: min_fraction must be >= 1. Received: min_fraction={min_fraction}")
        super().__init__(monitor=monitor, factor=factor, patience=patience, mode=mode, **kwargs)
        self.min_fraction = min_fraction
        self.eta0 = eta0
        self.stopped_epoch = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.eta0 is None:
            self.eta0 = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self.min_lr = self.eta0 / self.min_fraction
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        # ReduceLROnPlateau leaves `wait` at `patience` when the rate is
        # already at its floor and could not be reduced: that is the stop.
        if self.wait >= self.patience and not self.in_cooldown():
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: HalveOnPlateau: plateau at eta0/{self.min_fraction}, stopping.")
