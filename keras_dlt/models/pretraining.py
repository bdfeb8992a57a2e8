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
import tensorflow as tf

from keras_dlt.core.batches import whole_batches
from keras_dlt.core.checks import check_unit_interval
from keras_dlt.core.progress import progress_bar_first
from keras_dlt.optimizers import SGD

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
            x: training inputs `[n, n_in]` (or images), values in [0, 1]; or
                a `tf.data.Dataset` of minibatches of them (or of `(x, y)`
                pairs, whose `x` is used), which is then read each epoch and
                each layer's input computed on the fly (give no `batch_size`).
            epochs, batch_size, learning_rate: per layer; default the
                tutorial's (`pretraining_defaults`: SdA 15 / 1 / 0.001, DBN
                100 / 10 / 0.01).
            layers: indices of the layers to pretrain. Default: all.
            verbose: 1 shows Keras' progress bar within each epoch and prints
                "Pre-training layer i, epoch e, cost c" after it, as the
                tutorial; 2 prints only that line; 0 is silent.
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
        if isinstance(x, tf.data.Dataset) and batch_size is not None:
            raise ValueError(f"{type(self).__name__}.pretrain: x is a tf.data.Dataset, batched already; give no "
                             f"batch_size. Received: batch_size={batch_size}")
        return self._greedy_pretrain(x, d["epochs"] if epochs is None else epochs,
                                     batch_size if isinstance(x, tf.data.Dataset) else
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
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"{name}: epochs must be a positive int. Received: epochs={epochs}")
        if not learning_rate > 0:
            raise ValueError(f"{name}: learning_rate must be > 0. Received: learning_rate={learning_rate}")
        if isinstance(x, tf.data.Dataset):
            x = self._checked_batches(x, name)
        else:
            x = np.asarray(x, dtype="float32").reshape(len(x), -1)
            check_unit_interval(x, f"{name}: x")
            if x.shape[1] != self.n_in:
                raise ValueError(f"{name}: x must have {self.n_in} features (flattened); got shape {x.shape}.")
            x = x[: whole_batches(len(x), batch_size, f"{name}: x") * batch_size]  # whole minibatches (core.batches)
        if not self.built:
            # The stack knows its sizes: build it (the same weights fit() would build), under its strategy.
            with self.distribute_strategy.scope():
                self.build((None, self.n_in))
        n_layers = len(self.hidden_layers)
        layers = list(range(n_layers)) if layers is None else sorted(set(layers))
        bad = [i for i in layers if not isinstance(i, int) or not 0 <= i < n_layers]
        if bad or not layers:
            raise ValueError(f"{name}: layers must be indices in [0, {n_layers}) of hidden layers. Received: {layers}")
        costs, h = [], x
        for i, dense in enumerate(self.hidden_layers[: layers[-1] + 1]):
            if i in layers:
                with self.distribute_strategy.scope():  # under the stack's tf.distribute strategy, if any
                    model = self.pretraining_model(i, **options)
                    model.compile(optimizer=SGD(learning_rate),
                                  steps_per_execution=steps_per_execution)
                    model.build((None, dense.kernel.shape[0]))
                layer_callbacks = callbacks(i) if callable(callbacks) else list(callbacks or [])
                if verbose:  # the tutorial's line per epoch, after the progress bar
                    layer_callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs, i=i: print(
                        f"Pre-training layer {i}, epoch {e + 1}, cost {logs[self.pretraining_monitor]:.6f}",
                        flush=True)))
                data = dict(x=h, shuffle=False) if isinstance(h, tf.data.Dataset) else dict(x=h, batch_size=batch_size)
                history = model.fit(**data, epochs=epochs, verbose=1 if verbose == 1 else 0,
                                    callbacks=progress_bar_first(layer_callbacks))
                costs.append([float(c) for c in history.history.get(self.pretraining_monitor, [])])
            if i < layers[-1]:
                if isinstance(h, tf.data.Dataset):  # computed as each minibatch is read
                    h = h.map(dense, num_parallel_calls=tf.data.AUTOTUNE)
                else:
                    h = _outputs(dense, h)  # this layer's output, once, as the next layer's data
        return costs

    def _checked_batches(self, dataset, name):
        """The minibatches of `x` of a dataset of `x` or `(x, ...)`, flattened to `[b, n_in]`, values checked in [0, 1]."""
        spec = dataset.element_spec
        if isinstance(spec, (tuple, list)):
            dataset, spec = dataset.map(lambda *parts: parts[0]), spec[0]
        if not isinstance(spec, tf.TensorSpec) or spec.shape.rank is None or spec.shape.rank < 2:
            raise ValueError(f"{name}: a dataset must yield minibatches [batch, features] (or images, or (x, y) pairs); "
                             f"its elements are {spec}. Batch it first: dataset.batch(batch_size).")
        features = spec.shape[1:].num_elements()
        if features is not None and features != self.n_in:
            raise ValueError(f"{name}: the dataset's minibatches have {features} features per example "
                             f"(shape {spec.shape}); this stack takes {self.n_in}.")

        def checked(b):
            b = tf.reshape(tf.cast(b, "float32"), [-1, self.n_in])
            ok = tf.logical_and(tf.reduce_all(b >= 0.0), tf.reduce_all(b <= 1.0))  # NaN fails both
            with tf.control_dependencies([tf.debugging.Assert(ok, [f"{name}: dataset values must be in [0, 1] "
                                                                   f"(pixel intensities); found", tf.reduce_min(b),
                                                                   tf.reduce_max(b)])]):
                return tf.identity(b)

        return dataset.map(checked, num_parallel_calls=tf.data.AUTOTUNE)
