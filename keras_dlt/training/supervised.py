"""Training a classifier as the tutorials do: SGD, fixed minibatch order, patience early stopping, resumable."""

import dataclasses
import os
import time

import keras

from keras_dlt.core.batches import minibatches, whole_batches
from keras_dlt.training.interrupt import StopOnInterrupt
from keras_dlt.training.logs import run_callbacks
from keras_dlt.training.patience import PatienceEarlyStopping
from keras_dlt.training.speed import fast_steps_per_execution, jit_compile_for
from keras_dlt.optimizers import SGD

__all__ = ["SGDSettings", "ClassifierResult", "train_classifier"]


@dataclasses.dataclass
class SGDSettings:
    """How a classifier is trained (the tutorials' flags): plain SGD, the patience rule, the speed choices.

    `patience` is in minibatch iterations; `steps_per_execution` 0 and
    `jit_compile` "auto" leave the choice to `keras_dlt.training.speed`.
    """

    learning_rate: float
    batch_size: int
    epochs: int
    patience: int
    shuffle: bool = False
    steps_per_execution: int = 0
    jit_compile: str = "auto"

    def __post_init__(self):
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate < float("inf")):
            raise ValueError(f"SGDSettings: learning_rate must be a finite number > 0. Received: {self.learning_rate!r}")
        for name in ("batch_size", "epochs", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SGDSettings: {name} must be an int >= 1. Received: {name}={value!r}")
        if isinstance(self.steps_per_execution, bool) or not isinstance(self.steps_per_execution, int) \
                or self.steps_per_execution < 0:
            raise ValueError(f"SGDSettings: steps_per_execution must be an int >= 0 (0: automatic). "
                             f"Received: {self.steps_per_execution!r}")
        if self.jit_compile not in ("auto", "on", "off", True, False):
            raise ValueError(f'SGDSettings: jit_compile must be "auto", "on" or "off". Received: {self.jit_compile!r}')

    @classmethod
    def pick(cls, values):
        """The settings among a dict's entries (e.g. an app's `vars(parsed_flags)`), by field name."""
        return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls) if f.name in values})


@dataclasses.dataclass
class ClassifierResult:
    """What `train_classifier` reports: the tutorial's closing numbers (errors as fractions) and the run's facts."""

    best_validation_error: float | None
    test_error: float | None
    best_iteration: int | None
    epochs: int
    seconds: float
    resumed_from_epoch: int | None
    interrupted: bool
    train_size: int


def _trim_history_csv(path, epochs):
    """Keeps the header and the rows of the first `epochs` epochs of a `CSVLogger` file (a kill can leave one more)."""
    if path is None or not os.path.exists(path):
        return
    with open(path) as f:
        lines = f.readlines()
    with open(path, "w") as f:
        f.writelines(lines[: 1 + epochs])


def train_classifier(model, train, valid, test, settings, *, backup=None, part="training", history_csv=None,
                     verbose=1, tensorboard=None):
    """Trains `model` with plain SGD and the tutorial's patience rule under `model.fit`; restores the best weights.

    Args:
        model: an uncompiled classifier (`LogisticRegression`, `MLP`,
            `LeNet`, `StackedDenoisingAutoencoder`, `DBN`).
        train, valid, test: `(x, y)` pairs; the training set is cut to
            `n // batch_size` whole minibatches, as the tutorial's.
        settings: an `SGDSettings`. Minibatches are visited in one fixed
            order, cut once, unless `settings.shuffle`.
        backup: a `RunBackup`: the training is backed up each epoch as its
            part `part`, and a call with the same settings after a kill goes
            on where it stopped. The caller discards it once the run is done.
        history_csv: path of a per-epoch `CSVLogger` file (appended on resume).
        verbose: Keras `fit` verbosity; 1 or 2 also print each validation.
        tensorboard: a folder for TensorBoard logs (its subfolder `part`): the loss and the patience
            callback's `val_error`, `best_val_error` and `test_error` per epoch.

    Returns:
        A `ClassifierResult`. Ctrl+C stops after the current step; the best
        weights so far are restored and `interrupted` is True.
    """
    s = settings
    learning_rate, batch_size, epochs, patience = s.learning_rate, s.batch_size, s.epochs, s.patience
    shuffle, steps_per_execution, jit_compile = s.shuffle, s.steps_per_execution, s.jit_compile
    (x, y), (x_valid, y_valid), (x_test, y_test) = train, valid, test
    n_batches = whole_batches(len(x), batch_size)
    x, y = x[: n_batches * batch_size], y[: n_batches * batch_size]
    print(f"... training {type(model).__name__} on {len(x)} / {len(x_valid)} / {len(x_test)} digits: "
          f"lr {learning_rate}, batch {batch_size}, up to {epochs} epochs, patience {patience}", flush=True)
    with model.distribute_strategy.scope():  # under the strategy the model was made in, if any
        model.compile(optimizer=SGD(learning_rate=learning_rate),
                      steps_per_execution=fast_steps_per_execution(model, n_batches, steps_per_execution),
                      jit_compile=jit_compile_for(model, batch_size, jit_compile))
    stopper = PatienceEarlyStopping(patience=patience, validation_data=(x_valid, y_valid), test_data=(x_test, y_test),
                                    verbose=1 if verbose else 0)
    callbacks = [stopper]
    resumed = None
    if backup is not None:
        saved = backup.part_callback(part, [stopper])
        resumed = saved.check()
        if resumed is not None:  # a kill between the CSV row and the backup leaves a row the resumed run writes again
            _trim_history_csv(history_csv, resumed)
        callbacks.append(saved)
    if history_csv is not None:
        os.makedirs(os.path.dirname(os.path.abspath(history_csv)), exist_ok=True)
        callbacks.insert(1, keras.callbacks.CSVLogger(history_csv, append=resumed is not None))
    if not model.built:
        with model.distribute_strategy.scope():
            model.build((None, model.n_in))  # BackupAndRestore loads into a built model
    data = dict(x=x, y=y, batch_size=batch_size, shuffle=True) if shuffle else dict(
        x=minibatches(x, y, batch_size), shuffle=False)
    where = f" (the same command continues from the backup in {backup.folder})" if backup is not None else ""
    interrupt = StopOnInterrupt(f"Interrupted by user: stopping; the best model so far is kept{where}.")
    start = time.perf_counter()
    history = model.fit(**data, epochs=epochs, verbose=verbose,
                        callbacks=run_callbacks([*callbacks, interrupt], tensorboard, part=part))
    return ClassifierResult(
        best_validation_error=stopper.best_validation_error if stopper.best_iteration is not None else None,
        test_error=stopper.test_error, best_iteration=stopper.best_iteration,
        epochs=(resumed or 0) + len(history.epoch), seconds=time.perf_counter() - start, resumed_from_epoch=resumed,
        interrupted=interrupt.interrupted, train_size=len(x))
