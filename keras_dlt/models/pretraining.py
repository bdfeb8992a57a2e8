"""Greedy layer-wise pretraining (Bengio et al. 2007), shared by the SdA and the DBN.

Each hidden `Dense` of the classifier is trained in place by an unsupervised
model wrapping it (a dA or an RBM), on the layer below's outputs: the same
layer object, so the fine-tuned classifier starts from the pretrained
weights (the tutorials share Theano variables the same way). Those outputs
are computed once per layer, not once per epoch (the tutorials' tip).

How a pretraining run is driven (backups, resuming a killed run, logs) is
the training layer's job: `keras_dlt.training.pretrain_stack`.
"""

import keras
import numpy as np

from keras_dlt.core.batches import whole_batches
from keras_dlt.core.checks import check_unit_interval

__all__ = ["GreedyPretraining"]


def _outputs(dense, h, chunk=10000):
    """`dense(h)` as numpy, in chunks (keeps memory flat on 50k x 1000 inputs)."""
    return np.concatenate([keras.ops.convert_to_numpy(dense(h[k:k + chunk])) for k in range(0, len(h), chunk)])


class GreedyPretraining:
    """Mixin for `MLP` subclasses: `_greedy_pretrain` trains `hidden_layers` one by one.

    Subclasses define `pretraining_model(i, **options)`: the unsupervised
    model (compiled by this mixin) that trains hidden layer i in place,
    `pretraining_monitor`, the log key of its cost, and
    `pretraining_defaults`, the tutorial's epochs, batch size and rate.
    """

    pretraining_monitor = "loss"
    pretraining_defaults = {"epochs": 15, "batch_size": 1, "learning_rate": 0.001}

    def pretrain(self, x, epochs=None, batch_size=None, learning_rate=None, layers=None, verbose=1, callbacks=None,
                 steps_per_execution=1, **options):
        """Greedy layer-wise pretraining of the hidden layers, each by its `pretraining_model`.

        Args:
            x: training inputs `[n, n_in]` (or images), values in [0, 1].
            epochs, batch_size, learning_rate: per layer; default the
                tutorial's (`pretraining_defaults`: SdA 15 / 1 / 0.001, DBN
                100 / 10 / 0.01).
            layers: indices of the layers to pretrain. Default: all.
            verbose: 1 prints "Pre-training layer i, epoch e, cost c" per
                epoch, as the tutorial; 0 is silent.
            callbacks: Keras callbacks for each layer's `fit` (a list, or a
                function of the layer index returning one).
            steps_per_execution: minibatches per compiled call. Default 1;
                `keras_dlt.training.pretrain_stack` chooses a fast one, and
                backs up and resumes the pretraining.
            **options: the layer models' own (the DBN's `k`, Gibbs steps of CD).

        Returns:
            A list with each pretrained layer's per-epoch costs.
        """
        d = self.pretraining_defaults
        return self._greedy_pretrain(x, d["epochs"] if epochs is None else epochs,
                                     d["batch_size"] if batch_size is None else batch_size,
                                     d["learning_rate"] if learning_rate is None else learning_rate,
                                     layers, verbose, callbacks, steps_per_execution, **options)

    def get_config(self):
        """The MLP's config in the tutorials' words (`hidden_layers_sizes`, `n_outs`); sigmoid, no penalties."""
        config = super().get_config()
        for key in ("hidden_units", "activation", "l1", "l2"):
            config.pop(key)
        config["hidden_layers_sizes"] = list(self.hidden_units)
        config["n_outs"] = config.pop("n_out")
        return config

    def _greedy_pretrain(self, x, epochs, batch_size, learning_rate, layers, verbose, callbacks, steps_per_execution,
                         **options):
        """Trains `pretraining_model(i, **options)` on layer i's inputs for each i in `layers`.

        `callbacks`: Keras callbacks for every layer's `fit` (a list), or a
        function `i -> list`; `steps_per_execution` goes to each layer's
        `compile` (`keras_dlt.training.speed` chooses a fast one). Returns each pretrained layer's per-epoch
        `pretraining_monitor` values.
        """
        name = f"{type(self).__name__}.pretrain"
        x = np.asarray(x, dtype="float32").reshape(len(x), -1)
        check_unit_interval(x, f"{name}: x")
        if x.shape[1] != self.n_in:
            raise ValueError(f"{name}: x must have {self.n_in} features (flattened); got shape {x.shape}.")
        n_batches = whole_batches(len(x), batch_size, f"{name}: x")
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"{name}: epochs must be a positive int. Received: epochs={epochs}")
        if not learning_rate > 0:
            raise ValueError(f"{name}: learning_rate must be > 0. Received: learning_rate={learning_rate}")
        if not self.built:
            # The stack knows its sizes: build it (the same weights fit() would build).
            self.build((None, self.n_in))
        n_layers = len(self.hidden_layers)
        layers = list(range(n_layers)) if layers is None else sorted(set(layers))
        bad = [i for i in layers if not isinstance(i, int) or not 0 <= i < n_layers]
        if bad or not layers:
            raise ValueError(f"{name}: layers must be indices in [0, {n_layers}) of hidden layers. Received: {layers}")
        x = x[: n_batches * batch_size]  # whole minibatches, as everywhere (core.batches)
        costs, h = [], x
        for i, dense in enumerate(self.hidden_layers[: layers[-1] + 1]):
            if i in layers:
                model = self.pretraining_model(i, **options)
                model.compile(optimizer=keras.optimizers.SGD(learning_rate), steps_per_execution=steps_per_execution)
                model.build((None, h.shape[1]))
                layer_callbacks = callbacks(i) if callable(callbacks) else list(callbacks or [])
                if verbose:  # the tutorial's line per epoch
                    layer_callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs, i=i: print(
                        f"Pre-training layer {i}, epoch {e + 1}, cost {logs[self.pretraining_monitor]:.6f}",
                        flush=True)))
                history = model.fit(h, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=layer_callbacks)
                costs.append([float(c) for c in history.history.get(self.pretraining_monitor, [])])
            if i < layers[-1]:
                h = _outputs(dense, h)  # this layer's output, once, as the next layer's data
        return costs
