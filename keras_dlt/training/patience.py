"""Early stopping with the tutorial's geometrically growing patience.

Keras' `EarlyStopping` knows only an absolute `min_delta` and a patience in
epochs; the tutorial counts patience in minibatch *iterations*, extends it to
`iter * patience_increase` whenever the validation error improves by more
than a relative `improvement_threshold`, and validates every
`min(n_train_batches, patience // 2)` iterations (section 3.4.3).
"""

import keras
import numpy as np

from keras_dlt.core.best import BestPoint
from keras_dlt.metrics import error_of

__all__ = ["PatienceRule", "PatienceEarlyStopping"]


class PatienceRule:
    """The tutorial's patience arithmetic, free of any training loop.

    Args:
        patience: look at this many iterations regardless. Default 5000.
        patience_increase: on a significant improvement, wait until
            `iter * patience_increase`. Default 2.
        improvement_threshold: an error below `best * threshold` is a
            significant improvement. Default 0.995.
    """

    def __init__(self, patience=5000, patience_increase=2, improvement_threshold=0.995):
        if patience <= 0:
            raise ValueError(f"PatienceRule: patience must be > 0. Received: patience={patience}")
        if patience_increase < 1:
            raise ValueError(f"PatienceRule: patience_increase must be >= 1. Received: {patience_increase}")
        if not 0 < improvement_threshold <= 1:
            raise ValueError(f"PatienceRule: improvement_threshold must be in (0, 1]. Received: {improvement_threshold}")
        self.patience = patience
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.best_point = BestPoint("min")

    @property
    def best(self):
        """The lowest validation error so far (inf before the first)."""
        return np.inf if self.best_point.value is None else self.best_point.value

    @property
    def best_iter(self):
        """The iteration of the lowest error (None before the first)."""
        return self.best_point.step

    def validation_frequency(self, n_train_batches):
        """`min(n_train_batches, patience // 2)`, at least 1."""
        return max(1, min(n_train_batches, self.patience // 2))

    def update(self, iteration, error):
        """Records a validation `error` measured after (0-based) `iteration`.

        Returns:
            True when it is the best error so far (save parameters, measure
            the test error).
        """
        if not self.best_point.is_better(error):
            return False
        if error < self.best * self.improvement_threshold:
            self.patience = max(self.patience, iteration * self.patience_increase)
        self.best_point.update(iteration, error)
        return True

    def should_stop(self, iteration):
        """The tutorial's `patience <= iter`."""
        return self.patience <= iteration


class PatienceEarlyStopping(keras.callbacks.Callback):
    """Stops training when patience (in minibatch iterations) runs out.

    Validation happens either here, on `validation_data`, every
    `validation_frequency` iterations (default `min(n_train_batches,
    patience // 2)`, the tutorial's), or, with no `validation_data`, at each
    epoch end from `logs[monitor]` (`fit(validation_data=...)` gives
    `val_error`). At each new best the weights are kept and, when
    `test_data` is given, the test error is measured. At the end the best
    weights are restored. Validating here, it puts `val_error` (the epoch's
    last validation), `best_val_error` and `test_error` (at the best) into
    each epoch's logs, for History, CSVLogger and TensorBoard.

    With `steps_per_execution > 1`, Keras calls back once per execution:
    validation then happens at the first callback at or after each
    validation point, and stopping at the first at or after `patience`.
    Choose `steps_per_execution` dividing the epoch (the apps do) to keep the
    tutorial's checkpoints exact.

    Args:
        patience: initial patience in iterations. Default 5000.
        patience_increase: default 2.
        improvement_threshold: relative improvement counted significant.
            Default 0.995.
        validation_data: optional `(x, y)` to validate on here.
        validation_frequency: iterations between validations (with
            `validation_data`). Default: the tutorial's rule.
        test_data: optional `(x, y)`: test error at each new best.
        monitor: log key used without `validation_data`. Default `val_error`.
        restore_best_weights: default True.
        batch_size: batch size for the error computations. Default 1000.
        verbose: 1 prints each validation (as the tutorial does); 0 silent.

    Attributes (after `fit`):
        best_validation_error, best_iteration, test_error (at the best
        validation point, or None), stopped_iteration, history (list of
        `(iteration, validation_error)`).

    Example:
        >>> stop = PatienceEarlyStopping(patience=10000, validation_data=(xv, yv),
        ...                              test_data=(xt, yt))
        >>> model.fit(x, y, batch_size=20, epochs=1000, callbacks=[stop])
        >>> stop.best_validation_error, stop.test_error
    """

    def __init__(
        self,
        patience=5000,
        patience_increase=2,
        improvement_threshold=0.995,
        validation_data=None,
        validation_frequency=None,
        test_data=None,
        monitor="val_error",
        restore_best_weights=True,
        batch_size=1000,
        verbose=1,
    ):
        super().__init__()
        self.rule = PatienceRule(patience, patience_increase, improvement_threshold)
        self._initial_patience = patience
        self.validation_data = validation_data
        self.validation_frequency = validation_frequency
        self.test_data = test_data
        self.monitor = monitor
        self.restore_best_weights = restore_best_weights
        self.batch_size = batch_size
        self.verbose = verbose

    # -- the measurements (overridable, e.g. by tests) ----------------------
    def _validation_error(self):
        return error_of(self.model, *self.validation_data, batch_size=self.batch_size)

    def _test_error(self):
        return error_of(self.model, *self.test_data, batch_size=self.batch_size)

    # -- Keras hooks -------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.rule = PatienceRule(self._initial_patience, self.rule.patience_increase, self.rule.improvement_threshold)
        self.best_weights = None
        self.stopped_iteration = None
        self.history = []
        self._last_iteration = -1
        self._n_batches = self.params.get("steps")
        if self.validation_data is not None:
            if not self._n_batches:
                raise ValueError(
                    "PatienceEarlyStopping: the number of batches per epoch is unknown "
                    "(pass steps_per_epoch to fit for a dataset of unknown length)."
                )
            self._frequency = self.validation_frequency or self.rule.validation_frequency(self._n_batches)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if not self._n_batches:
            return
        iteration = self._epoch * self._n_batches + batch
        if self.validation_data is not None:
            # Validation points (iter + 1) % freq == 0 crossed since last call.
            crossed = (iteration + 1) // self._frequency - (self._last_iteration + 1) // self._frequency
            if crossed > 0:
                point = ((iteration + 1) // self._frequency) * self._frequency - 1
                self._validate(point, self._validation_error())
        self._last_iteration = iteration
        if self.rule.should_stop(iteration):
            self.stopped_iteration = iteration
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.validation_data is not None:
            if logs is not None and self.history:
                # Into the epoch's logs, so History, CSVLogger and TensorBoard see them (callbacks after this one).
                logs["val_error"] = float(self.history[-1][1])
                logs["best_val_error"] = float(self.best_validation_error)
                if self.test_error is not None:
                    logs["test_error"] = float(self.test_error)
            return
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(
                f"PatienceEarlyStopping: no '{self.monitor}' in the logs ({sorted(logs)}). "
                "Pass validation_data to fit() or to this callback."
            )
        n = self._n_batches or 1
        iteration = (epoch + 1) * n - 1
        self._validate(iteration, float(logs[self.monitor]))
        if self.rule.should_stop(iteration):
            self.stopped_iteration = iteration
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    # -- the best point: the rule's (core.best.BestPoint) ---------------------------
    @property
    def best_validation_error(self):
        """The lowest validation error so far (inf before the first validation)."""
        return self.rule.best

    @property
    def best_iteration(self):
        return self.rule.best_iter

    @property
    def test_error(self):
        """The test error measured at the best validation point (None without test data, or before it)."""
        return self.rule.best_point.at_best

    # -- resuming (BackupAndResume) -----------------------------------------------
    def get_state(self):
        """The rule's and the best point's state (JSON-able) and the best weights, for `BackupAndResume`."""
        def num(v):
            return None if v is None else float(v)

        state = {"patience": int(self.rule.patience), "best": num(self.rule.best), "best_iter": self.rule.best_iter,
                 "best_validation_error": num(self.best_validation_error), "best_iteration": self.best_iteration,
                 "test_error": num(self.test_error), "stopped_iteration": self.stopped_iteration,
                 "history": [(int(i), float(e)) for i, e in self.history], "last_iteration": int(self._last_iteration)}
        return state, self.best_weights

    def set_state(self, state, arrays=None):
        """Restores `get_state()`'s output (after `on_train_begin`)."""
        self.rule.patience = state["patience"]
        best = state["best"]
        self.rule.best_point.set_state({"value": None if best is None or np.isinf(best) else best,
                                        "step": state["best_iter"], "at_best": state["test_error"]})
        self.stopped_iteration = state["stopped_iteration"]
        self.history = [tuple(h) for h in state["history"]]
        self._last_iteration = state["last_iteration"]
        self.best_weights = None if arrays is None else list(arrays)

    # -- the rule ------------------------------------------------------------
    def _validate(self, iteration, error):
        self.history.append((iteration, error))
        n = self._n_batches or 1
        epoch, minibatch = divmod(iteration, n)
        if self.verbose:
            print(f"\nepoch {epoch + 1}, minibatch {minibatch + 1}/{n}, validation error {error * 100:.6f} %")
        if self.rule.update(iteration, error):
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.test_data is not None:
                self.rule.best_point.at_best = self._test_error()
                if self.verbose:
                    print(
                        f"     epoch {epoch + 1}, minibatch {minibatch + 1}/{n}, "
                        f"test error of best model {self.test_error * 100:.6f} %"
                    )
