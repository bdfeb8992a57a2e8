"""Driving a greedy pretraining (SdA, DBN): speed, per-epoch logs, and resuming layer by layer."""

import dataclasses
import os
import time

import tensorflow as tf

from keras_dlt.core.batches import steps_per_execution_for, whole_batches
from keras_dlt.training.cost_log import CostLog
from keras_dlt.training.logs import tensorboard_callback

__all__ = ["PretrainingResult", "pretrain_stack", "pretrain_or_reuse", "load_stack_weights"]


@dataclasses.dataclass
class PretrainingResult:
    """What `pretrain_stack` reports: each layer's per-epoch costs, the seconds this process spent, resumed layers."""

    costs: list
    seconds: float
    finished_before: list

    def record(self):
        """The entries a run's `result.json` keeps of its pretraining."""
        return {"pretraining_costs": self.costs, "pretraining_seconds": self.seconds}


def pretrain_stack(stack, x, *, epochs, batch_size, learning_rate, backup=None, verbose=1, tensorboard=None,
                   **options):
    """Pretrains every hidden layer of `stack` (`StackedDenoisingAutoencoder` or `DBN`) through `stack.pretrain`.

    Each layer's training shows Keras' progress bar, prints the tutorial's
    "Pre-training layer i, epoch e, cost c" lines and runs many minibatches
    per compiled call. With a
    `RunBackup`, each layer is backed up every epoch (its part `layer_i`) and
    recorded with the stack's weights once finished: the same call after a
    kill loads the finished layers and resumes the one in progress.

    Args:
        stack: the model; its hidden layers are trained in place.
        x: training inputs in [0, 1], or a `tf.data.Dataset` of minibatches (then `batch_size` None).
        epochs, batch_size, learning_rate: per layer, as `stack.pretrain`'s.
        backup: optional `RunBackup`.
        verbose: as `stack.pretrain`'s: 1 progress bar and cost lines, 2 the lines only, 0 silent.
        tensorboard: a folder for TensorBoard logs (each layer's cost in its subfolder `layer_i`).
        **options: more `stack.pretrain` arguments (the DBN's `k`).

    Returns:
        A `PretrainingResult`.
    """
    if isinstance(x, tf.data.Dataset):
        cardinality = int(x.cardinality())
        n_batches = cardinality if cardinality > 0 else 1  # unknown or infinite: one minibatch per call
    else:
        n_batches = whole_batches(len(x), batch_size)
    if not stack.built:
        with stack.distribute_strategy.scope():
            stack.build((None, stack.n_in))  # the finished layers' weights load into a built stack
    costs, finished = [], []
    for i in range(len(stack.hidden_layers)):
        record = backup.finished(f"layer_{i}") if backup is not None else None
        if record is None:
            break
        costs.append(record["costs"])
        finished.append(i)
    if finished:  # the stack as the last finished layer left it (it holds the earlier layers too)
        backup.finished(f"layer_{finished[-1]}", load_into=stack)
    if finished and verbose:
        print(f"... resuming pretraining from {backup.folder}: layers {finished} finished", flush=True)
    start = time.perf_counter()
    for i in range(len(finished), len(stack.hidden_layers)):
        log = CostLog(monitor=stack.pretraining_monitor, verbose=False)  # the costs, backed up; pretrain prints them
        callbacks = [log] + ([backup.part_callback(f"layer_{i}", [log])] if backup is not None else []) + (
            [tensorboard_callback(tensorboard, f"layer_{i}")] if tensorboard else [])
        stack.pretrain(x, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, layers=[i],
                       verbose=verbose, callbacks=callbacks, steps_per_execution=steps_per_execution_for(n_batches),
                       **options)
        costs.append(log.costs)
        if backup is not None:
            backup.finish(f"layer_{i}", weights_of=stack, costs=log.costs)
    return PretrainingResult(costs=costs, seconds=time.perf_counter() - start, finished_before=finished)


def load_stack_weights(stack, path):
    """Loads a `pretrained.weights.h5` into `stack`, with errors naming the file and the stack's sizes."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--pretrained {path}: no such file (the pretrained.weights.h5 an earlier "
                                f"{type(stack).__name__} run wrote under its --out folder)")
    if not stack.built:
        with stack.distribute_strategy.scope():
            stack.build((None, stack.n_in))
    try:
        stack.load_weights(path)
    except ValueError as err:  # other layer sizes: say which file and which sizes
        raise ValueError(f"--pretrained {path}: its weights do not fit a {type(stack).__name__} with hidden layers "
                         f"{list(stack.hidden_units)} ({err})") from None
    except OSError as err:  # not an HDF5 file, or a truncated one
        raise ValueError(f"--pretrained {path}: not a readable Keras weights file ({err})") from None


def pretrain_or_reuse(stack, x, *, backup, weights_file, what, pretrained=None, finetune_part="training",
                      **pretraining):
    """The SdA / DBN apps' first phase: pretrain `stack` (saving `weights_file`), or skip what is already done.

    Skipped when the fine-tuning (`finetune_part` of `backup`) has an epoch
    backup to resume (its weights replace the stack's anyway), or when
    `pretrained` names a weights file to start fine-tuning from. Otherwise
    `pretrain_stack(stack, x, backup=backup, **pretraining)`, then the stack
    is saved as `weights_file` (so that fine-tuning can be rerun without the
    hours of pretraining). `what` names the layers' models in the progress
    line ("dAs", "CD-1 RBMs").

    Returns:
        A `PretrainingResult` (empty costs when skipped).
    """
    if backup.resumable(finetune_part) is not None:
        print(f"... pretraining skipped: fine-tuning resumes from its backup in {backup.folder}", flush=True)
        return PretrainingResult([], 0.0, [])
    if pretrained:
        load_stack_weights(stack, pretrained)
        print(f"... pretraining skipped: fine-tuning starts from {pretrained}", flush=True)
        return PretrainingResult([], 0.0, [])
    batch = pretraining.get("batch_size") or "as the dataset's"
    print(f"... pre-training {len(stack.hidden_layers)} layers {list(stack.hidden_units)} as {what}: lr "
          f"{pretraining['learning_rate']}, batch {batch}, {pretraining['epochs']} epochs per layer", flush=True)
    result = pretrain_stack(stack, x, backup=backup, **pretraining)
    os.makedirs(os.path.dirname(os.path.abspath(weights_file)), exist_ok=True)
    stack.save_weights(weights_file)
    print(f"The pretraining code ran for {result.seconds / 60:.2f} m; pretrained weights saved to {weights_file}",
          flush=True)
    return result
