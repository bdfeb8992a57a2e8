"""Divergence fails loudly: a loss, monitor or weight that turns NaN or inf stops training with an error.

Keras' `TerminateOnNaN` stops silently and only looks at the loss; a run that diverged would then save, score
and report its NaN model as if it had finished. `FailOnNonFinite` checks every logged number after each
compiled call and every weight at each epoch's end, and raises `TrainingDiverged` naming what, where and the
likely cause. Every tutorial model adds it to its own `fit` (`TutorialSGD`).
"""

import math

import keras
import numpy as np

__all__ = ["TrainingDiverged", "FailOnNonFinite", "non_finite_weights"]


class TrainingDiverged(FloatingPointError):
    """Training produced NaN or inf (in a loss, a monitor or a weight)."""


def non_finite_weights(model):
    """The paths of `model`'s weights that hold NaN or inf."""
    return [w.path for w in model.weights if not np.all(np.isfinite(keras.ops.convert_to_numpy(w)))]


def _learning_rate(model):
    try:
        lr = model.optimizer.learning_rate
        return float(keras.ops.convert_to_numpy(lr))
    except (AttributeError, TypeError, ValueError):
        return None


class FailOnNonFinite(keras.callbacks.Callback):
    """Raises `TrainingDiverged` at the first non-finite logged number (after each compiled call) or weight (each epoch).

    Args:
        what: how the error names the training (e.g. "RBM.fit"). Default: the model's class and "fit".
        collapsed: optional function `(model, epoch_logs) -> str or None`: a model-specific sign that training
            collapsed although every number is finite (e.g. a monitor that reads a perfect score); the string
            says what it saw.
    """

    def __init__(self, what=None, collapsed=None):
        super().__init__()
        self.what = what
        self.collapsed = collapsed
        self._epoch = 0

    def _fail(self, detail):
        lr = _learning_rate(self.model)
        hint = f"the learning rate ({lr:g}) is probably too high or not a finite number" if lr is not None else \
            "the learning rate is probably too high"
        what = self.what or f"{type(self.model).__name__}.fit"
        raise TrainingDiverged(f"{what}: training diverged at epoch {self._epoch + 1}: {detail}; {hint}, or the data "
                               f"hold extreme values. Nothing of this run was kept as a result.")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for key, value in (logs or {}).items():
            try:
                v = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(v):
                self._fail(f"'{key}' is {v} after step {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self.on_train_batch_end(-1, {k: v for k, v in (logs or {}).items() if not k.startswith("val_")})
        bad = non_finite_weights(self.model)
        if bad:
            self._fail(f"the weights {bad} hold NaN or infinite values")
        sign = self.collapsed(self.model, logs or {}) if self.collapsed is not None else None
        if sign:
            self._fail(sign)
