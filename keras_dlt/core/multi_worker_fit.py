"""`fit` under `MultiWorkerMirroredStrategy`: the loop TensorFlow documents for custom training, on the model's own
`train_step` (and `test_step`), with Keras callbacks and a `History`.

Keras 3's `fit` does not run under `MultiWorkerMirroredStrategy` with TF 2.21
("Attempt to convert a value (PerReplica: ...)", keras-team/keras#20585).
`multi_worker_fit` runs the same steps with `strategy.run` over
`strategy.experimental_distribute_dataset`, each compiled in one
`tf.function` (TensorFlow's "Custom training loop with
MultiWorkerMirroredStrategy"), and drives a `keras.callbacks.CallbackList`, so
`History`, `CSVLogger`, `TensorBoard`, `BackupAndRestore` and the package's
callbacks see the logs they see under `fit`. Every tutorial model's `fit`
(`models.TutorialSGD`) comes here under that strategy: the apps and the
library's own loops (pretraining, `Network.SGD`, the RNN-RBM's chunks) run
unchanged on several workers.
"""

import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_dlt.core.replicas import check_divisible

__all__ = ["is_multi_worker", "multi_worker_fit", "multi_worker_evaluate"]

#: `Model.fit` arguments this loop does not take (with their neutral values).
_UNSUPPORTED = {"validation_split": 0.0, "class_weight": None, "steps_per_epoch": None, "validation_steps": None,
                "validation_freq": 1}


def is_multi_worker(strategy):
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` (where Keras' own `fit` does not run)."""
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def _dataset(x, y, batch_size, shuffle, seed, what, strategy, sample_weight=None):
    """A dataset of global batches: `x` itself when it is one (already batched), else whole batches of arrays
    (`(x, y, sample_weight)` rows, as Keras' `train_step` unpacks them). A global batch must split evenly over the
    replicas (an empty share would average to NaN)."""
    if isinstance(x, tf.data.Dataset):
        if y is not None or sample_weight is not None:
            raise ValueError(f"multi_worker_fit: {what}: y and sample_weight must be None when x is a tf.data.Dataset")
        spec = x.element_spec[0] if isinstance(x.element_spec, tuple) else x.element_spec
        if spec.shape.rank and spec.shape[0] is not None:
            check_divisible(spec.shape[0], f"{what}: the dataset's batch size", strategy)
        return x
    if batch_size is None:
        raise ValueError(f"multi_worker_fit: {what}: give batch_size with arrays (the global batch)")
    check_divisible(batch_size, f"{what}: batch_size", strategy)
    n = len(x)
    if n % batch_size:
        warnings.warn(f"multi_worker_fit: {what}: {n % batch_size} of {n} examples are left out (only whole global "
                      f"batches of {batch_size} are split over the workers)", stacklevel=3)
    if sample_weight is not None and y is None:
        raise ValueError(f"multi_worker_fit: {what}: sample_weight needs y")
    rows = x if y is None else (x, y) if sample_weight is None else (x, y, sample_weight)
    dataset = tf.data.Dataset.from_tensor_slices(rows)
    if shuffle:  # the same seed on every worker: the same global batches, each worker reading its shard
        dataset = dataset.shuffle(len(x), seed=0 if seed is None else seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=True)


def _distribute(strategy, dataset):
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def _reduced(strategy, step):
    """`step` (a model's train_step or test_step) on every replica, one compiled call; logs averaged over them."""
    @tf.function
    def run(batch):
        logs = strategy.run(step, args=(batch,))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in logs.items()}
    return run


def _evaluate(model, test_step, distributed):
    """The model's metrics over a distributed dataset (`test_step` on every batch, from reset metrics)."""
    for metric in model.metrics:
        metric.reset_state()
    logs = {}
    for batch in distributed:
        logs = test_step(batch)
    return {k: float(np.asarray(v)) for k, v in logs.items()}


def multi_worker_evaluate(model, x=None, y=None, batch_size=None, verbose="auto", return_dict=False, **unsupported):
    """`model.evaluate(...)` under `MultiWorkerMirroredStrategy`: the model's `test_step` over whole global batches
    of arrays (a ragged rest is left out, with a warning) or over a dataset of global batches. Returns the loss
    and metrics as `evaluate` does (a list in `metrics_names` order, or a dict with `return_dict`)."""
    bad = sorted(k for k, v in unsupported.items() if v is not None)
    if bad:
        raise ValueError(f"{type(model).__name__}.evaluate under MultiWorkerMirroredStrategy does not take {bad}")
    strategy = model.distribute_strategy
    logs = _evaluate(model, _reduced(strategy, model.test_step),
                     _distribute(strategy, _dataset(x, y, batch_size or 32, False, None, "x", strategy)))
    if return_dict:
        return logs
    flatten = getattr(model, "_flatten_metrics_in_order", None)  # Keras' own order (loss first), where it has one
    values = flatten(logs) if flatten else list(logs.values())
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def multi_worker_fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
                     validation_data=None, shuffle=True, initial_epoch=0, validation_batch_size=None, seed=None,
                     sample_weight=None, **unsupported):
    """`model.fit(...)` under `MultiWorkerMirroredStrategy` (the model made and compiled in its scope).

    Takes `fit`'s arguments: arrays `x` (and `y`) cut into whole global
    batches of `batch_size` (shuffled each epoch when `shuffle`, one order on
    every worker from `seed`, default 0), with `sample_weight` if given, or a
    `tf.data.Dataset` of global batches; `validation_data` as `(x, y)` or
    `(x, y, sample_weight)` arrays or a dataset, measured with
    the model's `test_step` at each epoch's end (`val_` logs). Each worker
    reads its shard of each batch (tf.data's DATA sharding). Arguments the
    loop does not implement raise a `ValueError` naming them. Returns the
    `History`.
    """
    bad = sorted(k for k, v in unsupported.items() if k not in _UNSUPPORTED or v != _UNSUPPORTED[k])
    if bad:
        raise ValueError(f"{type(model).__name__}.fit under MultiWorkerMirroredStrategy does not take {bad} "
                         f"(keras_dlt.core.multi_worker_fit; Keras' own fit does not run under this strategy)")
    strategy = model.distribute_strategy
    dataset = _dataset(x, y, batch_size, shuffle, seed, "x", strategy, sample_weight)
    steps = int(dataset.cardinality())
    if steps == int(tf.data.INFINITE_CARDINALITY):
        raise ValueError(f"{type(model).__name__}.fit under MultiWorkerMirroredStrategy: the dataset repeats forever; "
                         f"give one epoch's batches (an epoch ends with the dataset)")
    distributed = _distribute(strategy, dataset)
    validation = None
    if validation_data is not None:
        vx, vy, vw = ((validation_data, None, None) if isinstance(validation_data, tf.data.Dataset)
                      else (*validation_data, None)[:3])
        validation = _distribute(strategy, _dataset(vx, vy, validation_batch_size or batch_size, False, None,
                                                    "validation_data", strategy, vw))
    with strategy.scope():
        if not model.built:
            spec = dataset.element_spec
            model.build((None, *(spec[0] if isinstance(spec, tuple) else spec).shape[1:]))
        model.optimizer.build(model.trainable_variables)

    train_step, test_step = _reduced(strategy, model.train_step), _reduced(strategy, model.test_step)
    verbose = 1 if verbose == "auto" else verbose
    callbacks = keras.callbacks.CallbackList(list(callbacks or []), add_history=True, add_progbar=verbose != 0,
                                             model=model, verbose=verbose, epochs=epochs,
                                             steps=steps if steps > 0 else None)
    model.stop_training, model._initial_epoch = False, None
    callbacks.on_train_begin()  # a backup sets the epoch to go on from (`_initial_epoch`)
    logs = {}
    for epoch in range(max(initial_epoch, getattr(model, "_initial_epoch", None) or 0), epochs):
        for metric in model.metrics:
            metric.reset_state()
        callbacks.on_epoch_begin(epoch)
        for step, batch in enumerate(distributed):
            callbacks.on_train_batch_begin(step)
            logs = {k: float(v) for k, v in train_step(batch).items()}
            callbacks.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validation is not None:
            epoch_logs.update({f"val_{k}": v for k, v in _evaluate(model, test_step, validation).items()})
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    model._initial_epoch = None
    return callbacks._history
