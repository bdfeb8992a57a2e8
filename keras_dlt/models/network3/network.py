"""network3's `Network`: a `keras.Model` of layer specs, trained by network3's `SGD(...)`; the ensemble vote."""

import math

import keras
import numpy as np
from keras import ops

from keras_dlt.core.batches import steps_per_execution_for
from keras_dlt.core.checks import check_pair, check_positive_int
from keras_dlt.core.progress import progress_bar_first
from keras_dlt.layers.random_affine import RandomAffine
from keras_dlt.models.classifiers.base import TutorialClassifier
from keras_dlt.models.network3.layers import ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer, describe
from keras_dlt.models.network3.log import Network3Log
from keras_dlt.regularizers import L1L2
from keras_dlt.optimizers import SGD

__all__ = ["Network", "ensemble_accuracy"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class Network(TutorialClassifier):
    """network3's `Network`: a stack of layer specs ending in a `SoftmaxLayer`, trained by `SGD(...)`.

    A `keras.Model`: `fit`, `evaluate`, `predict` (class probabilities),
    `save` and `export` work as for any model; `SGD` is network3's interface
    over `compile` + `fit`.

    Args:
        layers: list of `ConvPoolLayer`, `FullyConnectedLayer`, `SoftmaxLayer`
            (the last one), whose sizes chain.
        mini_batch_size: `SGD`'s default mini-batch size. Default 10.
        expand: expanded training data, made on the fly: None (off), True
            (`RandomAffine()`: +-10 degrees, +-0.15 shear, +-2 pixels) or a
            `RandomAffine`. Applied to training batches only.

    Example:
        >>> net = Network([FullyConnectedLayer(784, 100), SoftmaxLayer(100, 10)], mini_batch_size=10)
        >>> net.SGD((x_train, y_train), 60, 10, 0.1, (x_valid, y_valid), (x_test, y_test))
        >>> net.accuracy((x_test, y_test))
    """

    default_learning_rate = 0.1

    def __init__(self, layers, mini_batch_size=10, expand=None, **kwargs):
        layers = [keras.saving.deserialize_keras_object(l) if isinstance(l, dict) else l for l in layers]
        if not layers or not isinstance(layers[-1], SoftmaxLayer):
            raise ValueError("Network: the last layer must be a SoftmaxLayer (network3's cost is its log-likelihood). "
                             f"Received: {[type(l).__name__ for l in layers]}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, (ConvPoolLayer, FullyConnectedLayer)):
                raise ValueError(f"Network: layer {i} must be a ConvPoolLayer, FullyConnectedLayer or SoftmaxLayer. "
                                 f"Received: {type(layer).__name__}")
        for i in range(1, len(layers)):
            prev, layer = layers[i - 1], layers[i]
            if isinstance(layer, ConvPoolLayer) and isinstance(prev, ConvPoolLayer):
                ok = prev.output_maps == layer.image_shape[1:]
                expects = f"image_shape {layer.image_shape[1:]} (maps, h, w)"
            else:
                ok = prev.n_out == layer.n_in
                expects = f"{layer.n_in} inputs"
            if not ok:
                raise ValueError(f"Network: layer {i} ({type(layer).__name__}) expects {expects}, but layer {i - 1} "
                                 f"({type(prev).__name__}) gives {describe(prev)}.")
        super().__init__(layers[0].n_in, layers[-1].n_out, **kwargs)
        self.mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size", "Network")
        self.net_layers = layers
        first = layers[0]
        image = (first.image_shape[2], first.image_shape[3], first.image_shape[1]) if isinstance(first, ConvPoolLayer) \
            else None
        self._image = image
        if expand is True:
            side = math.isqrt(self.n_in)
            expand = RandomAffine(image_shape=image or ((side, side, 1) if side * side == self.n_in else None))
        if expand is not None and not isinstance(expand, keras.layers.Layer):
            raise ValueError(f"Network: expand must be None, True or a RandomAffine layer. Received: {expand!r}")
        if isinstance(expand, RandomAffine) and expand.image_shape is None:
            raise ValueError("Network: expand needs image inputs; give RandomAffine(image_shape=(h, w, c)).")
        self.expand = expand

    def _accepted_shapes(self):
        if self._image is None:
            return super()._accepted_shapes()
        h, w, c = self._image
        return ((self.n_in,), (h, w), (h, w, c)) if c == 1 else ((self.n_in,), (h, w, c))

    def get_build_config(self):
        return {"input_shape": (None, self.n_in)}

    def build_from_config(self, config):
        self.build(config["input_shape"])

    def build(self, input_shape):
        shape = (None, self.n_in)
        for layer in self.net_layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.built = True

    def call(self, inputs, training=False):
        self._check_shape(inputs.shape)
        x = ops.reshape(ops.cast(inputs, self.compute_dtype), (-1, self.n_in))
        if self.expand is not None and training:
            x = ops.reshape(self.expand(x, training=True), (-1, self.n_in))
        if self._image is not None:
            h, w, c = self._image
            x = ops.reshape(x, (-1, h, w, c)) if c == 1 else x  # several maps: the layer reads network3's order
        for layer in self.net_layers:
            x = layer(x, training=training)
        return x

    # -- network3's interface ---------------------------------------------------------------
    def l2_term(self, lmbda, num_training_batches):
        """network3's 0.5 * lmbda * sum of squared weights (not biases) / num_training_batches."""
        penalty = L1L2(l2=0.5 * lmbda / num_training_batches)  # the regularizer `SGD` attaches
        return sum(penalty(w) for w in self.weight_matrices())

    def weight_matrices(self):
        """The weights network3's L2 term covers: every layer's w (the convolutions' filters included)."""
        return [l.conv.kernel if isinstance(l, ConvPoolLayer) else l.w for l in self.net_layers]

    def SGD(self, training_data, epochs, mini_batch_size=None, eta=0.1, validation_data=None, test_data=None,
            lmbda=0.0, callbacks=None, verbose=1, shuffle=True, monitor_training=False, steps_per_execution=None,
            jit_compile=False, log=None, **fit_kwargs):  # noqa: N802 (network3's name)
        """network3's `SGD`: plain mini-batch SGD on the log-likelihood + L2, via `compile` and `fit`.

        Args:
            training_data, validation_data, test_data: (x, y) pairs of arrays.
            epochs: epochs.
            mini_batch_size: default the network's.
            eta: learning rate, or a function epoch -> learning rate (the
                chapter's problem; applied at the start of each epoch).
            lmbda: L2 strength (network3's formula, as `keras_dlt.regularizers.L1L2`
                with l2 = 0.5 * lmbda / num_training_batches on each weight matrix).
            callbacks: more Keras callbacks (e.g. `PatienceEarlyStopping`,
                `keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max")`).
            verbose: 1 prints network3's per-epoch lines plus Keras' bar; 2
                network3's lines only; 0 nothing.
            shuffle: shuffle the training data every epoch (network3 does not;
                its Theano loop visits the mini-batches in order).
            monitor_training: also measure accuracy and cost on (up to 10,000
                of) the training examples at each epoch's end, without dropout
                or expansion, as `train_accuracy` / `train_cost` in the
                history: the overfitting diagnostic (`save_training_curves_png`).
            steps_per_execution: mini-batches per compiled call; default the
                largest divisor of the epoch up to 50 (small steps run much
                faster several at a time; measured in bench/README.md).
            jit_compile: XLA (helps on GPU). Default False.
            log: the `Network3Log` that prints and keeps the per-epoch numbers
                (default: a new one). `keras_dlt.training.train_network3`
                passes its own, to back it up with the weights and resume a
                killed run.
            **fit_kwargs: passed to `fit`.

        Returns:
            The Keras `History`; `history.history` has loss, accuracy,
            val_loss, val_accuracy per epoch (all epochs, those before a
            resume included); `self.best_validation_accuracy`,
            `self.best_test_accuracy` and `self.best_epoch` hold network3's
            closing numbers.
        """
        mini_batch_size = self.mini_batch_size if mini_batch_size is None else mini_batch_size
        mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size", "Network.SGD")
        if not callable(eta) and not (isinstance(eta, (int, float)) and eta > 0):
            raise ValueError(f"Network.SGD: eta must be > 0 (or a function of the epoch). Received: eta={eta}")
        if not lmbda >= 0:
            raise ValueError(f"Network.SGD: lmbda must be >= 0. Received: lmbda={lmbda}")
        x, y = check_pair(training_data, "training_data")
        num_training_batches = len(x) // mini_batch_size
        if num_training_batches < 1:
            raise ValueError(f"Network.SGD: {len(x)} training examples make no mini-batch of {mini_batch_size}.")
        if not self.built:
            with self.distribute_strategy.scope():  # mirrored under the strategy the network was made in
                self.build((None, self.n_in))
        regularizer = L1L2(l2=0.5 * lmbda / num_training_batches) if lmbda > 0 else None
        for w in self.weight_matrices():
            w.regularizer = regularizer
        eta0 = eta(0) if callable(eta) else eta
        if steps_per_execution is None:
            steps_per_execution = steps_per_execution_for(num_training_batches, 50)
        with self.distribute_strategy.scope():  # under the strategy the network was made in, if any
            self.compile(optimizer=SGD(eta0), metrics=["accuracy"],
                         steps_per_execution=steps_per_execution, jit_compile=jit_compile)
        callbacks = list(callbacks or [])
        if callable(eta):
            callbacks.insert(0, keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(eta(epoch))))
        if log is None:
            log = Network3Log()
        log.test_data, log.verbose = test_data, verbose > 0
        log.training_data = (x[:10000], y[:10000]) if monitor_training else None
        history = self.fit(x[:num_training_batches * mini_batch_size], y[:num_training_batches * mini_batch_size],
                           batch_size=mini_batch_size, epochs=epochs, shuffle=shuffle,
                           validation_data=None if validation_data is None else check_pair(validation_data, "validation_data"),
                           callbacks=progress_bar_first([log] + callbacks), verbose=1 if verbose == 1 else 0,
                           **fit_kwargs)
        if log.records:  # every epoch's numbers, also those of the run this one resumed
            history.epoch = list(range(len(log.records)))
            history.history = {k: [r.get(k) for r in log.records] for k in log.records[-1]}
        self.best_validation_accuracy, self.best_test_accuracy, self.best_epoch = log.best_validation, log.best_test, \
            log.best_epoch
        if verbose:
            print("Finished training network.")
            if log.best_validation is not None:
                print(f"Best validation accuracy of {log.best_validation:.2%} obtained at epoch {log.best_epoch}")
            if log.best_test is not None:
                print(f"Corresponding test accuracy of {log.best_test:.2%}")
        return history

    def accuracy(self, data, batch_size=1000):
        """Fraction of `data` = (x, y) classified correctly (the chapter's problem)."""
        x, y = check_pair(data, "data")
        self._check_arrays(x, y, "x", "y")
        p = self.predict(x, batch_size=batch_size, verbose=0)
        return float(np.mean(np.argmax(p, axis=1) == np.asarray(y).reshape(-1)))

    def get_config(self):
        return {**keras.Model.get_config(self),  # not the classifier base: n_in, n_out come from the layers
                "layers": [keras.saving.serialize_keras_object(l) for l in self.net_layers],
                "mini_batch_size": self.mini_batch_size,
                "expand": None if self.expand is None else keras.saving.serialize_keras_object(self.expand)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("expand"), dict):
            config["expand"] = keras.saving.deserialize_keras_object(config["expand"])
        return cls(**config)


def ensemble_accuracy(networks, data):
    """Accuracy of the networks' majority vote on `data` = (x, y) (ties: the lowest class; Nielsen's ensemble)."""
    x, y = check_pair(data, "data")
    votes = np.stack([np.argmax(n.predict(x, batch_size=1000, verbose=0), axis=1) for n in networks])
    counts = np.apply_along_axis(np.bincount, 0, votes, minlength=networks[0].n_out)
    return float(np.mean(np.argmax(counts, axis=0) == y.reshape(-1)))
