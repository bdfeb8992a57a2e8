"""Several workers (`MultiWorkerMirroredStrategy`): which worker writes, where the others write, and `fit` on
arrays with a backup every worker resumes from.

Every tutorial model's `fit` runs under that strategy
(`keras_dlt.core.multi_worker_fit`: Keras 3's own does not with TF 2.21,
keras-team/keras#20585). Every worker runs the same program; TF_CONFIG (read
by the strategy) says which one it is. The tutorial's seeds, replica streams
and chains behave as under `MirroredStrategy` (`keras_dlt.core.replicas`): the
workers end with identical weights, those of one device for the
deterministic models. Only the chief's files are kept: `worker_folder` gives
the other workers private copies to write into, and `fit_multi_worker` backs a
run up where every worker resumes from the chief's last epoch.
"""

import contextlib
import os
import shutil
import tempfile

from keras_dlt.core.finite import FailOnNonFinite
from keras_dlt.core.multi_worker_fit import is_multi_worker, multi_worker_fit
from keras_dlt.training.backup import BackupAndResume

__all__ = ["fit_multi_worker", "is_chief", "is_multi_worker", "worker_folder"]


def is_chief(strategy):
    """Whether this worker is the one that writes (task 0 of TF_CONFIG's cluster, or a single process)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or resolver.task_type in (None, "chief") or (
        resolver.task_type == "worker" and resolver.task_id == 0)


@contextlib.contextmanager
def worker_folder(strategy, *folders, keep=("backup",)):
    """The folders this worker writes a run's files into, one for each of `folders` (a context manager; None
    stays None).

    The chief (and any run of one process) writes into `folders` themselves.
    Under `MultiWorkerMirroredStrategy` the other workers get private
    temporary folders, removed at the end, holding a copy of the subfolders
    `keep` of each (the chief's backup, so that a resumed run starts every
    worker from the same epoch; `keep=None`: the whole folder); what they
    write there is thrown away. The
    folders must then be on a file system every worker can read, as for
    Keras' `BackupAndRestore`.

    Example:
        >>> with worker_folder(strategy, "runs/rbm", "runs/logs") as (out, tensorboard):
        ...     model.fit(x, batch_size=20, epochs=15, callbacks=run_callbacks([...], tensorboard))
        ...     model.save(os.path.join(out, "model.keras"))
    """
    if is_chief(strategy) or not is_multi_worker(strategy):
        yield folders[0] if len(folders) == 1 else folders
        return
    private = tempfile.mkdtemp(prefix="keras_dlt_worker_")
    try:
        mine = []
        for i, folder in enumerate(folders):
            if folder is None:
                mine.append(None)
                continue
            mine.append(os.path.join(private, str(i)))
            os.makedirs(mine[-1])
            for name in ([""] if keep is None else keep):
                if os.path.isdir(os.path.join(folder, name)):
                    shutil.copytree(os.path.join(folder, name), os.path.join(mine[-1], name), dirs_exist_ok=True)
        yield mine[0] if len(mine) == 1 else tuple(mine)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def fit_multi_worker(model, x, y=None, *, batch_size, epochs, strategy=None, callbacks=(), verbose=0,
                     backup_dir=None, shuffle=False, seed=None):
    """Trains `model` (made and compiled in `strategy.scope()`, a `MultiWorkerMirroredStrategy`) on arrays `x`
    (and `y`) for `epochs`: `core.multi_worker_fit`, which any Keras model can take, and a backup.

    `batch_size` is the global batch, split over every replica of every
    worker; each worker reads its shard of each batch (tf.data's DATA
    sharding). Minibatches are visited in order, whole ones only, as the
    tutorials, or reshuffled each epoch with `shuffle` (one order on every
    worker, from `seed`; default 0). Returns the `History`.

    With `backup_dir` (a folder every worker can read) the run is backed up at
    every epoch's end (`BackupAndResume`): the chief writes it, the others
    write to a private copy (as Keras' `BackupAndRestore` does), so after the
    workers are killed the same command on every worker goes on from the
    chief's last epoch. A finished run deletes the files it wrote.
    """
    if strategy is not None and strategy is not model.distribute_strategy:
        raise ValueError("fit_multi_worker: the model was made under another strategy; make and compile it in "
                         "`strategy.scope()`")
    callbacks = list(callbacks)
    if not any(isinstance(c, FailOnNonFinite) for c in callbacks):
        callbacks.insert(0, FailOnNonFinite())  # as every tutorial model's fit: a NaN stops the run loudly
    if backup_dir is None:
        return multi_worker_fit(model, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                                callbacks=callbacks, shuffle=shuffle, seed=seed)
    # The chief backs up into backup_dir; any other worker into a private copy of it (the state to start from).
    with worker_folder(model.distribute_strategy, backup_dir, keep=None) as folder:
        backup = BackupAndResume(folder, verbose=int(is_chief(model.distribute_strategy)))
        history = multi_worker_fit(model, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                                   callbacks=[*callbacks, backup], shuffle=shuffle, seed=seed)
        backup.discard()  # the files it wrote: the chief's backup, or this worker's copy
    return history
