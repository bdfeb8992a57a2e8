"""`fit` for `MultiWorkerMirroredStrategy`: the loop TensorFlow documents for custom training, on the model's own
`train_step`, with Keras callbacks and a `History`.

Keras 3's `fit` does not run under `MultiWorkerMirroredStrategy` with TF 2.21
("Attempt to convert a value (PerReplica: ...)", keras-team/keras#20585).
`fit_multi_worker` runs the same `train_step` with `strategy.run` over
`strategy.experimental_distribute_dataset`, compiled in one `tf.function`
(TensorFlow's "Custom training loop with MultiWorkerMirroredStrategy"), and
drives a `keras.callbacks.CallbackList`: `History`, `CSVLogger`,
`TensorBoard` and the package's callbacks see the same logs as under `fit`.
Every worker runs the same program; TF_CONFIG (read by the strategy) says
which one it is. The tutorial's seeds, replica streams and chains behave as
under `MirroredStrategy` (`keras_dlt.core.replicas`): the workers end with
identical weights, those of one device for the deterministic models.

`fit_arrays` is the one call the apps train with: Keras' `fit` on the
tutorial's minibatches under one device or `MirroredStrategy`, this loop
under `MultiWorkerMirroredStrategy`. `worker_folder` gives each worker the
folder it writes a run's files into: the chief the run's own, the others a
private copy (the chief's backup in it), so only the chief's files are kept.
"""

import contextlib
import os
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_dlt.core.finite import FailOnNonFinite
from keras_dlt.training.backup import BackupAndResume

from keras_dlt.core.batches import minibatches

__all__ = ["fit_multi_worker", "fit_arrays", "is_chief", "is_multi_worker", "worker_folder"]


def is_multi_worker(strategy):
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` (where Keras' own `fit` does not run)."""
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


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
    worker from the same epoch); what they write there is thrown away. The
    folders must then be on a file system every worker can read, as for
    Keras' `BackupAndRestore`.

    Example:
        >>> with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        ...     fit_arrays(model, x, batch_size=20, epochs=15, callbacks=[...])  # then write into `out`
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
            for name in keep:
                if os.path.isdir(os.path.join(folder, name)):
                    shutil.copytree(os.path.join(folder, name), os.path.join(mine[-1], name))
        yield mine[0] if len(mine) == 1 else tuple(mine)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def fit_arrays(model, x, y=None, *, batch_size, epochs, shuffle=False, seed=None, callbacks=(), verbose=1):
    """Trains `model` on arrays `x` (and `y`) under the strategy it was made in: Keras' `fit` where it runs (one
    device, `MirroredStrategy`), `fit_multi_worker` under `MultiWorkerMirroredStrategy`. Returns the `History`.

    Minibatches are whole ones of `batch_size` (the global batch), visited in
    the tutorial's fixed order, cut once (`core.minibatches`), or reshuffled
    every epoch with `shuffle` (`seed`: the order's seed under multi-worker,
    where every worker must draw the same order).
    """
    if is_multi_worker(model.distribute_strategy):
        return fit_multi_worker(model, x, y, batch_size=batch_size, epochs=epochs, callbacks=callbacks,
                                verbose=verbose, shuffle=shuffle, seed=seed)
    data = dict(x=x, y=y, batch_size=batch_size, shuffle=True) if shuffle else dict(
        x=minibatches(x, y, batch_size), shuffle=False)
    return model.fit(**data, epochs=epochs, verbose=verbose, callbacks=list(callbacks))


def fit_multi_worker(model, x, y=None, *, batch_size, epochs, strategy=None, callbacks=(), verbose=0,
                     backup_dir=None, shuffle=False, seed=None):
    """Trains `model` (made and compiled in `strategy.scope()`) on arrays `x` (and `y`) for `epochs`.

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
    strategy = strategy or model.distribute_strategy
    data = x if y is None else (x, y)
    dataset = tf.data.Dataset.from_tensor_slices(data)
    if shuffle:  # the same seed on every worker: the same global batches, each worker reading its shard
        dataset = dataset.shuffle(len(x), seed=0 if seed is None else seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    steps = int(dataset.cardinality())
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    distributed = strategy.experimental_distribute_dataset(dataset.with_options(options))
    with strategy.scope():
        if not model.built:
            model.build((None, *x.shape[1:]))
        model.optimizer.build(model.trainable_variables)

    @tf.function
    def train_step(batch):
        logs = strategy.run(model.train_step, args=(batch,))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in logs.items()}

    callbacks = list(callbacks)
    chief, backup, private = is_chief(strategy), None, None
    if backup_dir is not None:
        if not chief:  # the chief's state to start from, and a place of its own to write
            private = tempfile.mkdtemp(prefix="keras_dlt_worker_backup_")
            if os.path.isdir(backup_dir):
                shutil.copytree(backup_dir, private, dirs_exist_ok=True)
        backup = BackupAndResume(backup_dir if chief else private, verbose=int(chief))
        callbacks.append(backup)
    if not any(isinstance(c, FailOnNonFinite) for c in callbacks):
        callbacks.insert(0, FailOnNonFinite())  # as every tutorial model's fit: a NaN stops the run loudly
    callbacks = keras.callbacks.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                             model=model, verbose=verbose, epochs=epochs, steps=steps)
    model.stop_training, model._initial_epoch = False, None
    callbacks.on_train_begin()  # a backup sets the epoch to go on from
    logs = {}
    for epoch in range(getattr(model, "_initial_epoch", None) or 0, epochs):
        for metric in model.metrics:
            metric.reset_state()
        callbacks.on_epoch_begin(epoch)
        for step, batch in enumerate(distributed):
            callbacks.on_train_batch_begin(step)
            logs = {k: float(v) for k, v in train_step(batch).items()}
            callbacks.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        callbacks.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    model._initial_epoch = None
    if backup is not None:
        backup.discard()  # the files it wrote: the chief's backup, or this worker's copy
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)
    return callbacks._history
