"""Resume a long `fit` after a crash, a kill or Ctrl+C: Keras' backup plus our callbacks' state.

`keras.callbacks.BackupAndRestore` saves the weights, the optimizer and the
epoch at each epoch's end and restores them when `fit` starts again. The
tutorial's runs also carry state in callbacks (the patience, the best
validation error and its weights, the test error there); without it a
resumed run would forget its best model and start its patience over. This
subclass saves that state with each backup and gives it back on resume.
"""

import json
import os
import shutil

import keras
import numpy as np

__all__ = ["BackupAndResume", "settings_differences", "read_finished", "record_finished"]

_STATE = "callbacks_state.json"


def settings_differences(saved, now):
    """"key: saved, now value" for each setting that differs between two JSON-able dicts ("" when none)."""
    saved, now = json.loads(json.dumps(saved or {})), json.loads(json.dumps(now or {}))
    return ", ".join(f"{k}: {saved.get(k)!r}, now {now.get(k)!r}"
                     for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k))


def _write_json(path, obj):
    """Writes `obj` as JSON atomically: a kill leaves the old file or the new one, never half of one."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def _read_json(path, folder):
    """The JSON at `path` (None when absent); an unreadable file is named, with the `folder` to delete."""
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as e:
        raise ValueError(f"{path} is not readable JSON ({e}); delete {folder} to start over.") from None


def record_finished(path, settings, **fields):
    """Records a finished part of a run (a network, a pretrained layer) with the `settings` it was made with."""
    _write_json(path, {"run": settings, **fields})


def read_finished(path, settings, what, folder):
    """The record `record_finished` wrote at `path` (None when there is none).

    A record whose "run" settings differ from `settings` is refused, naming
    `what`, the differences, and the `folder` to delete to start over.
    """
    record = _read_json(path, folder)
    if record is None:
        return None
    detail = settings_differences(record.get("run"), settings)
    if detail:
        raise ValueError(f"{what} was made by a run with other settings ({detail}). Use the same settings to "
                         f"continue it, or delete {folder} to start over.")
    return record


class BackupAndResume(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` that also backs up the state of the given callbacks, and checks the run matches.

    Each callback in `callbacks` must have `get_state()` -> `(dict, list of
    arrays or None)` and `set_state(dict, arrays)` (`PatienceEarlyStopping`
    and network3's log do). Put this callback *after* them in `fit`'s list, so
    that each epoch's backup holds what they did at that epoch's end.

    The backup is kept when `fit` ends (interrupted or not); delete it, or
    call `discard()`, once the run is finished, or the next `fit` with the
    same folder resumes at the end and trains no more.

    Args:
        backup_dir: folder for the backup (nothing else should write there).
        callbacks: the stateful callbacks to back up with the model.
        config: a JSON-able dict describing the run (e.g. its hyper-parameters);
            resuming a backup made with another config is refused with the
            differences named, rather than silently mixing two runs.
        verbose: 1 prints a line when a run resumes.

    Attributes:
        resumed_epoch: the epoch the last `fit` resumed at (None: fresh start).

    Example:
        >>> stop = PatienceEarlyStopping(patience=10000, validation_data=(xv, yv))
        >>> backup = BackupAndResume("runs/mlp/backup", callbacks=[stop], config={"lr": 0.01})
        >>> model.fit(x, y, batch_size=20, epochs=1000, callbacks=[stop, backup])  # killed at epoch 300
        >>> model.fit(x, y, batch_size=20, epochs=1000, callbacks=[stop, backup])  # goes on at epoch 300
    """

    def __init__(self, backup_dir, callbacks=(), config=None, verbose=1):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=False)
        self.stateful = list(callbacks)
        for cb in self.stateful:
            if not (callable(getattr(cb, "get_state", None)) and callable(getattr(cb, "set_state", None))):
                raise TypeError(f"BackupAndResume: {type(cb).__name__} has no get_state()/set_state() to back up.")
        self.config = json.loads(json.dumps(config)) if config is not None else None  # as it will read back
        self.verbose = verbose
        self.resumed_epoch = None

    # -- the files ---------------------------------------------------------------------------
    def saved_epoch(self):
        """The epoch a `fit` would resume at (the number of epochs backed up), or None when there is no backup."""
        metadata = _read_json(os.path.join(self.backup_dir, "training_metadata.json"), self.backup_dir)
        return None if metadata is None else int(metadata["epoch"])

    def discard(self):
        """Deletes the backup (call when the run is complete)."""
        if os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    def check(self):
        """The epoch a `fit` would resume at (None: no backup); raises if the backup is of another `config`.

        Call it before expensive set-up that resuming makes unnecessary.
        """
        epoch = self.saved_epoch()
        if epoch is None or self.config is None:
            return epoch
        detail = settings_differences(self._read_states().get("config"), self.config)
        if detail:
            raise ValueError(f"BackupAndResume: the backup in {self.backup_dir} is of another run ({detail}). "
                             f"Run with the same settings to continue it, or delete {self.backup_dir} to start over.")
        return epoch

    def _read_states(self):
        return _read_json(os.path.join(self.backup_dir, _STATE), self.backup_dir) or {}

    # -- Keras hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.resumed_epoch = None
        epoch, pending = self.check(), None
        if epoch is not None:
            states = self._read_states()
            # Our state is written just before Keras' weights: after a kill in between it is one epoch ahead,
            # and the previous one (kept for that case) is the one that matches.
            match = [s for s in (states.get("current"), states.get("previous")) if s and s["epoch"] == epoch]
            if self.stateful and not match:
                raise ValueError(f"BackupAndResume: {self.backup_dir} holds weights of epoch {epoch} but no callback "
                                 f"state for that epoch; delete the folder to start over.")
            pending = match[0] if match else None
        if not self.model.built and hasattr(self.model, "n_in"):  # Keras cannot build our subclassed models itself
            self.model.build((None, self.model.n_in))
        super().on_train_begin(logs)  # weights, optimizer, and the epoch fit starts at
        if epoch is not None:
            # After the other callbacks' on_train_begin (they come first in the list), which resets their state.
            if pending is not None:
                arrays = None
                if pending.get("arrays"):
                    with np.load(os.path.join(self.backup_dir, pending["arrays"])) as f:
                        arrays = [[f[f"{i}_{j}"] for j in range(n)] if n is not None else None
                                  for i, n in enumerate(pending["array_counts"])]
                for i, (cb, state) in enumerate(zip(self.stateful, pending["states"])):
                    cb.set_state(state, arrays[i] if arrays else None)
            self.resumed_epoch = epoch
            if self.verbose:
                print(f"... resuming from the backup in {self.backup_dir}: {epoch} epochs done", flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._steps_done = 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps_done = batch + 1  # with steps_per_execution, Keras reports the last step of the call
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps")
        if steps and self._steps_done < steps:
            return  # cut short (Ctrl+C, early stopping): the backup stays at the last whole epoch, redone on resume
        self._save_states(epoch + 1)
        super().on_epoch_end(epoch, logs)

    def _save_states(self, epoch):
        os.makedirs(self.backup_dir, exist_ok=True)
        previous = self._read_states().get("current")
        states, counts, arrays = [], [], {}
        for i, cb in enumerate(self.stateful):
            state, arrs = cb.get_state()
            states.append(state)
            counts.append(None if arrs is None else len(arrs))
            for j, a in enumerate(arrs or []):
                arrays[f"{i}_{j}"] = np.asarray(a)
        current = {"epoch": epoch, "states": states, "array_counts": counts, "arrays": None}
        if arrays:
            current["arrays"] = f"callbacks_arrays_{epoch}.npz"
            np.savez(os.path.join(self.backup_dir, current["arrays"]), **arrays)
        _write_json(os.path.join(self.backup_dir, _STATE), {"config": self.config, "current": current,
                                                             "previous": previous})
        keep = {s["arrays"] for s in (current, previous) if s and s.get("arrays")}
        for name in os.listdir(self.backup_dir):
            if name.startswith("callbacks_arrays_") and name not in keep:
                os.remove(os.path.join(self.backup_dir, name))
