"""Greedy layer-wise pretraining (Bengio et al. 2007), shared by the SdA and the DBN.

Each hidden `Dense` of the classifier is trained in place by an unsupervised
model wrapping it (a dA or an RBM), on the layer below's outputs. Those
outputs are computed once per layer, not once per epoch (the tutorials' tip).
"""

import os
import shutil

import keras
import numpy as np

from keras_dlt.callbacks.backup import BackupAndResume, read_finished, record_finished
from keras_dlt.callbacks.cost_log import CostLog
from keras_dlt.models.visible_inputs import check_unit_interval
from keras_dlt.utils import steps_per_execution_for

__all__ = ["GreedyPretraining"]


def _outputs(dense, h, chunk=10000):
    """`dense(h)` as numpy, in chunks (keeps memory flat on 50k x 1000 inputs)."""
    return np.concatenate([keras.ops.convert_to_numpy(dense(h[k:k + chunk])) for k in range(0, len(h), chunk)])


class GreedyPretraining:
    """Mixin for `MLP` subclasses: `_greedy_pretrain` trains `hidden_layers` one by one."""

    def _greedy_pretrain(self, x, make_model, monitor, epochs, batch_size, learning_rate, layers, verbose,
                         backup_dir=None, config=None):
        """Trains `make_model(i, dense)` on layer i's inputs for each i in `layers`.

        With `backup_dir`, each layer's training is backed up every epoch
        (`BackupAndResume`) and the stack's weights after each finished layer;
        a call with the same arguments in a new process (after a kill) skips
        the finished layers and resumes the layer in progress at its last
        whole epoch. The folder is deleted when pretraining completes.
        `config` (JSON-able) joins the checked settings.

        Returns a list with each pretrained layer's per-epoch `monitor` values.
        """
        name = f"{type(self).__name__}.pretrain"
        x = np.asarray(x, dtype="float32").reshape(len(x), -1)
        check_unit_interval(x, f"{name}: x")
        if x.shape[1] != self.n_in:
            raise ValueError(f"{name}: x must have {self.n_in} features (flattened); got shape {x.shape}.")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= len(x):
            raise ValueError(f"{name}: batch_size must be an int in [1, {len(x)}] (the examples). Received: {batch_size}")
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"{name}: epochs must be a positive int. Received: epochs={epochs}")
        if learning_rate <= 0:
            raise ValueError(f"{name}: learning_rate must be > 0. Received: learning_rate={learning_rate}")
        if not self.built:
            # The stack knows its sizes: build it (the same weights fit() would build).
            self.build((None, self.n_in))
        n_layers = len(self.hidden_layers)
        layers = list(range(n_layers)) if layers is None else sorted(set(layers))
        bad = [i for i in layers if not isinstance(i, int) or not 0 <= i < n_layers]
        if bad or not layers:
            raise ValueError(f"{name}: layers must be indices in [0, {n_layers}) of hidden layers. Received: {layers}")
        run = {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "layers": layers,
               "examples": len(x), "sizes": [int(d.units) for d in self.hidden_layers], **(config or {})}
        done = self._finished_layers(backup_dir, run, name, verbose) if backup_dir else {}
        costs, h = [], x
        for i, dense in enumerate(self.hidden_layers[: layers[-1] + 1]):
            if i in layers and str(i) in done:
                costs.append(done[str(i)])
            elif i in layers:
                model = make_model(i, dense)
                model.compile(optimizer=keras.optimizers.SGD(learning_rate),
                              steps_per_execution=steps_per_execution_for(len(h) // batch_size))
                log = CostLog(f"Pre-training layer {i}, epoch {{epoch}}, cost {{cost:.6f}}", monitor=monitor,
                              verbose=bool(verbose))
                callbacks = [log]
                if backup_dir:
                    model.build((None, h.shape[1]))
                    callbacks.append(BackupAndResume(os.path.join(backup_dir, f"layer_{i}"), callbacks=[log],
                                                     config=run, verbose=verbose))
                model.fit(h, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=callbacks)
                costs.append(log.costs)
                if backup_dir:  # the stack so far, then the record that says so (a kill between: layer redone)
                    self.save_weights(os.path.join(backup_dir, "stack.weights.h5"))
                    done[str(i)] = log.costs
                    record_finished(os.path.join(backup_dir, "finished_layers.json"), run, costs=done)
                    shutil.rmtree(os.path.join(backup_dir, f"layer_{i}"), ignore_errors=True)
            if i < layers[-1]:
                h = _outputs(dense, h)  # this layer's output, once, as the next layer's data
        if backup_dir:
            shutil.rmtree(backup_dir, ignore_errors=True)
        return costs

    def _finished_layers(self, backup_dir, run, name, verbose):
        """Layers a killed run finished (their weights loaded into the stack): {str(i): costs}."""
        record = read_finished(os.path.join(backup_dir, "finished_layers.json"), run,
                               f"{name}: the backup in {backup_dir}", backup_dir)
        if record is None:
            return {}
        self.load_weights(os.path.join(backup_dir, "stack.weights.h5"))
        if verbose:
            print(f"... resuming pretraining from {backup_dir}: layers {sorted(int(i) for i in record['costs'])} "
                  f"finished", flush=True)
        return record["costs"]
