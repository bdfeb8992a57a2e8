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
"""

import os
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_dlt.core.finite import FailOnNonFinite
from keras_dlt.training.backup import BackupAndResume

__all__ = ["fit_multi_worker", "is_chief"]


def is_chief(strategy):
    """Whether this worker is the one that writes (task 0 of TF_CONFIG's cluster, or a single process)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or resolver.task_type in (None, "chief") or (
        resolver.task_type == "worker" and resolver.task_id == 0)


def fit_multi_worker(model, x, y=None, *, batch_size, epochs, strategy=None, callbacks=(), verbose=0,
                     backup_dir=None):
    """Trains `model` (made and compiled in `strategy.scope()`) on arrays `x` (and `y`) for `epochs`.

    `batch_size` is the global batch, split over every replica of every
    worker; each worker reads its shard of each batch (tf.data's DATA
    sharding). Minibatches are visited in order, whole ones only, as the
    tutorials. Returns the `History`.

    With `backup_dir` (a folder every worker can read) the run is backed up at
    every epoch's end (`BackupAndResume`): the chief writes it, the others
    write to a private copy (as Keras' `BackupAndRestore` does), so after the
    workers are killed the same command on every worker goes on from the
    chief's last epoch. A finished run deletes the files it wrote.
    """
    strategy = strategy or model.distribute_strategy
    data = x if y is None else (x, y)
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(batch_size, drop_remainder=True)
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
