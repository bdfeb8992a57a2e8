"""Resume a run after a crash, a kill or Ctrl+C: one mechanism for epoch state and finished parts.

`RunBackup` is a run's backup folder. It holds, per part of the run (a
training, a pretrained layer, an ensemble member), the epoch backups of that
part's `fit` (`part_callback`: a `BackupAndResume`), and a record of each
finished part with its weights (`finish` / `finished`); all are checked
against the run's settings, so two runs are never mixed. `discard` deletes
only the files it wrote.

`keras.callbacks.BackupAndRestore` saves the weights, the optimizer and the
epoch at each epoch's end and restores them when `fit` starts again. The
tutorial's runs also carry state in callbacks (the patience, the best
validation error and its weights, the test error there); without it a
resumed run would forget its best model and start its patience over. This
subclass saves that state with each backup and gives it back on resume.
"""

import hashlib
import json
import os

import keras
import numpy as np

__all__ = ["BackupAndResume", "RunBackup", "settings_differences"]

_STATE = "callbacks_state.json"
#: Sizes and SHA-256 of the files of the last whole backup, written after them: what `check` verifies.
_MANIFEST = "manifest.json"
#: What `keras.callbacks.BackupAndRestore` writes in its folder.
_KERAS_FILES = ("latest.weights.h5", "training_metadata.json", "latest.weights.h5.tmp")


def _digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _remove_written(folder, ours):
    """Removes the files of `folder` for which `ours(name)` holds, then the folder if nothing else is left."""
    if not os.path.isdir(folder):
        return
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if ours(name) and os.path.isfile(path):
            os.remove(path)
    if not os.listdir(folder):
        os.rmdir(folder)


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
        """Deletes the backup (call when the run is complete): the files Keras and this callback wrote, nothing else."""
        _remove_written(self.backup_dir, lambda name: name in _KERAS_FILES or name in (_STATE, _MANIFEST)
                        or name.startswith("callbacks_arrays_") or name.endswith(".tmp"))

    def check(self):
        """The epoch a `fit` would resume at (None: no backup); raises if the backup is of another `config`.

        Call it before expensive set-up that resuming makes unnecessary.
        """
        epoch = self.saved_epoch()
        if epoch is not None:
            self.verify()
        if epoch is None or self.config is None:
            return epoch
        detail = settings_differences(self._read_states().get("config"), self.config)
        if detail:
            raise ValueError(f"BackupAndResume: the backup in {self.backup_dir} is of another run ({detail}). "
                             f"Run with the same settings to continue it, or delete {self.backup_dir} to start over.")
        return epoch

    def verify(self):
        """Raises ValueError naming the file unless the backup is whole: every file its manifest lists, unchanged.

        A backup without a manifest (written before manifests existed) must at least hold readable weights.
        """
        folder = self.backup_dir
        way_out = f"delete {folder} to start over"
        manifest = _read_json(os.path.join(folder, _MANIFEST), folder)
        if manifest is None:
            files = {"latest.weights.h5": None}
        else:
            files = manifest["files"]
        for name, expected in files.items():
            if name == _STATE:  # self-checking (by epoch); older manifests listed it
                continue
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                raise ValueError(f"BackupAndResume: the backup in {folder} is incomplete: {path} is missing "
                                 f"(the run was killed while writing it, or a file was removed); {way_out}.")
            if expected is None:
                continue
            size = os.path.getsize(path)
            if size != expected["size"] or _digest(path) != expected["sha256"]:
                raise ValueError(f"BackupAndResume: the backup in {folder} is damaged: {path} has "
                                 f"{size} bytes and another checksum than the {expected['size']} bytes it was written "
                                 f"with (truncated or overwritten); {way_out}.")
        if manifest is None:
            try:
                import h5py

                with h5py.File(os.path.join(folder, "latest.weights.h5"), "r"):
                    pass
            except OSError as err:
                raise ValueError(f"BackupAndResume: {os.path.join(folder, 'latest.weights.h5')} is not readable "
                                 f"({err}); {way_out}.") from None

    def _write_manifest(self):
        # Not the callbacks' state and arrays: they are written first and keep the previous epoch's too, so a kill
        # between them and Keras' files resumes from the matching one (on_train_begin, which checks its arrays).
        names = [n for n in ("latest.weights.h5", "training_metadata.json")
                 if os.path.isfile(os.path.join(self.backup_dir, n))]
        files = {n: {"size": os.path.getsize(os.path.join(self.backup_dir, n)),
                     "sha256": _digest(os.path.join(self.backup_dir, n))} for n in names}
        _write_json(os.path.join(self.backup_dir, _MANIFEST), {"files": files})

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
                    path = os.path.join(self.backup_dir, pending["arrays"])
                    try:
                        with np.load(path) as f:
                            arrays = [[f[f"{i}_{j}"] for j in range(n)] if n is not None else None
                                      for i, n in enumerate(pending["array_counts"])]
                    except (OSError, ValueError, KeyError, EOFError) as err:
                        raise ValueError(f"BackupAndResume: {path} (the callbacks' arrays of epoch {epoch}) cannot "
                                         f"be read ({err}); delete {self.backup_dir} to start over.") from None
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
        self._write_manifest()  # last: a kill before it leaves a manifest that no longer matches, so it is refused

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


class RunBackup:
    """The backup folder of a run made of parts: epoch backups of each part's `fit`, records of finished parts.

    Args:
        folder: the backup folder (created on first write).
        config: a JSON-able dict of the run's settings; every part's backup
            and record is checked against it (another run's are refused,
            with the differences named).
        verbose: 1 prints a line when a part resumes.

    Example (what `keras_dlt.training.pretrain_stack` does for each layer):
        >>> backup = RunBackup("runs/DBN/backup", config={"k": 1, "lr": 0.01})
        >>> if backup.finished("layer_0") is None:
        ...     log = CostLog()
        ...     model.fit(x, callbacks=[log, backup.part_callback("layer_0", [log])])
        ...     backup.finish("layer_0", weights_of=stack, costs=log.costs)
    """

    def __init__(self, folder, config=None, verbose=1):
        self.folder = os.fspath(folder)
        self.config = json.loads(json.dumps(config or {}))
        self.verbose = verbose

    def _record(self, part):
        return os.path.join(self.folder, f"{part}.done.json")

    def _weights(self, part):
        return os.path.join(self.folder, f"{part}.weights.h5")

    def part_callback(self, part, callbacks=()):
        """The `BackupAndResume` of part `part`'s `fit` (its folder `folder/part`), backing up `callbacks` too."""
        return BackupAndResume(os.path.join(self.folder, part), callbacks=callbacks, config=self.config,
                               verbose=self.verbose)

    def resumable(self, part):
        """The epoch part `part`'s `fit` would resume at (None: no epoch backup); checks the settings."""
        return self.part_callback(part).check()

    def finish(self, part, weights_of=None, **record):
        """Records part `part` as finished (with `weights_of`'s weights, when given) and drops its epoch backup.

        The weights are written before the record that says so: a kill in between leaves the part unfinished.
        """
        os.makedirs(self.folder, exist_ok=True)
        digest = None
        if weights_of is not None:
            weights_of.save_weights(self._weights(part))
            digest = _digest(self._weights(part))
        _write_json(self._record(part), {"run": self.config, "weights": weights_of is not None,
                                         "weights_sha256": digest, **record})
        self.part_callback(part).discard()

    def finished(self, part, load_into=None):
        """The record of finished part `part` (None when it is not finished), its weights loaded into `load_into`.

        A record of a run with other settings is refused, naming the differences and the folder to delete.
        """
        record = _read_json(self._record(part), self.folder)
        if record is None:
            return None
        detail = settings_differences(record.get("run"), self.config)
        if detail:
            raise ValueError(f"{self._record(part)} was made by a run with other settings ({detail}). Use the same "
                             f"settings to continue it, or delete {self.folder} to start over.")
        if load_into is not None and record.get("weights"):
            path = self._weights(part)
            if not os.path.isfile(path):
                raise ValueError(f"{path}: the weights of finished part {part!r} are missing; delete {self.folder} to "
                                 f"start over.")
            if record.get("weights_sha256") and _digest(path) != record["weights_sha256"]:
                raise ValueError(f"{path}: the weights of finished part {part!r} are damaged (their checksum differs "
                                 f"from the one recorded when the part finished); delete {self.folder} to start over.")
            try:
                load_into.load_weights(path)
            except (OSError, ValueError) as err:
                raise ValueError(f"{path}: the weights of finished part {part!r} cannot be read ({err}); delete "
                                 f"{self.folder} to start over.") from None
        return record

    def discard(self):
        """Deletes what this backup wrote (epoch backups, records, weights); a file of anyone else's stays.

        A part's weights file goes only with its record, and a record only if it reads as one of ours.
        """
        if not os.path.isdir(self.folder):
            return
        for name in sorted(os.listdir(self.folder)):
            path = os.path.join(self.folder, name)
            if os.path.isdir(path) and any(os.path.exists(os.path.join(path, n))
                                           for n in ("training_metadata.json", _STATE, _MANIFEST)):
                BackupAndResume(path).discard()  # a part's epoch backup: only the files Keras and it write
            elif name.endswith(".done.json"):
                try:
                    with open(path) as f:
                        ours = "run" in json.load(f)
                except (OSError, ValueError, TypeError):
                    ours = False
                if ours:
                    weights = self._weights(name[: -len(".done.json")])
                    if os.path.isfile(weights):
                        os.remove(weights)
                    os.remove(path)
        _remove_written(self.folder, lambda name: False)  # the folder itself, if nothing else is left
