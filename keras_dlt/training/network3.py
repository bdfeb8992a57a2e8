"""Driving network3's `Network.SGD` as a resumable run: each network a part of a `RunBackup`."""

import dataclasses
import os

import keras

from keras_dlt.models.network3 import Network3Log
from keras_dlt.training.interrupt import StopOnInterrupt
from keras_dlt.training.logs import tensorboard_callback

__all__ = ["Network3Result", "train_network3"]


@dataclasses.dataclass
class Network3Result:
    """network3's closing numbers for one network, its per-epoch history, and whether Ctrl+C cut it short."""

    best_validation_accuracy: float | None
    best_test_accuracy: float | None
    best_epoch: int | None
    history: dict
    interrupted: bool
    resumed: bool = False


def train_network3(net, train, valid, test, *, epochs, mini_batch_size, eta, lmbda, backup=None, part="network",
                   save_path=None, shuffle=True, monitor_training=False, verbose=2, tensorboard=None):
    """Trains `net` by `net.SGD(...)`, backed up each epoch as `part` of `backup`, and records it when finished.

    A part already finished by an interrupted run is not trained again:
    `save_path` (the `.keras` file written when it finished) is loaded and
    its record returned (the loaded network is `result.network`).

    Args:
        net: a `Network` (e.g. `preset(...)`); ignored when the part is finished.
        train, valid, test: `(x, y)` pairs.
        epochs, mini_batch_size, eta, lmbda: `SGD`'s.
        backup: optional `RunBackup`.
        part: this network's name in the backup.
        save_path: where the network is saved as `.keras` (also when Ctrl+C
            stopped it: it is still scored).
        shuffle, monitor_training, verbose: `SGD`'s.
        tensorboard: a folder for TensorBoard logs (its subfolder `part`): cost, accuracies, the best point.

    Returns:
        `(network, Network3Result)`.
    """
    if backup is not None and save_path is not None and os.path.exists(save_path):
        record = backup.finished(part)
        if record is not None:
            net = keras.models.load_model(save_path)
            fields = {k: record[k] for k in ("best_validation_accuracy", "best_test_accuracy", "best_epoch")}
            net.best_validation_accuracy, net.best_test_accuracy, net.best_epoch = fields.values()
            return net, Network3Result(**fields, history=record["history"], interrupted=False, resumed=True)
    log = Network3Log()
    where = f" (the same command continues from the backup in {backup.folder})" if backup is not None else ""
    interrupt = StopOnInterrupt(f"Interrupted by user: stopping; this network is still saved and scored{where}.")
    callbacks = [interrupt] + ([backup.part_callback(part, [log])] if backup is not None else []) + (
        [tensorboard_callback(tensorboard, part)] if tensorboard else [])
    history = net.SGD(train, epochs, mini_batch_size, eta, valid, test, lmbda=lmbda, verbose=verbose,
                      shuffle=shuffle, monitor_training=monitor_training, callbacks=callbacks, log=log)
    if save_path is not None:
        net.save(save_path)
    result = Network3Result(net.best_validation_accuracy, net.best_test_accuracy, net.best_epoch, history.history,
                            interrupt.interrupted)
    if backup is not None and not interrupt.interrupted:
        backup.finish(part, best_validation_accuracy=result.best_validation_accuracy,
                      best_test_accuracy=result.best_test_accuracy, best_epoch=result.best_epoch,
                      history=result.history)
    return net, result
