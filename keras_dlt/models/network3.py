"""Nielsen's network3.py on Keras: layer specs, `Network.SGD`, and the chapter's problems solved.

    net = Network([
        ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(20, 1, 5, 5), poolsize=(2, 2), activation_fn=ReLU),
        FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, activation_fn=ReLU),
        SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size=10)
    net.SGD(training_data, 60, 10, 0.03, validation_data, test_data, lmbda=0.1)

What differs from network3, on purpose:
- Dropout is Keras' op (inverted: kept inputs are scaled by 1/(1-p) while
  training, nothing at inference); both give the same expected activations.
  A layer with dropout multiplies its inputs by (1-p) after it, in both
  phases, so its `w` is network3's own: training computes network3's
  masked product (mask * x) w exactly, inference its (1-p) x w. Inverted
  dropout on its own with network3's initialisation and eta would train
  another network: its weights would act 1/(1-p) larger (2x at p=0.5) and
  its SGD steps be 1/(1-p)^2 larger (4x) than network3's.
- Images flow as [n, h, w, c] (network3: [n, c, h, w]); a fully connected
  layer after a convolution sees the same numbers in another order.
- The mini-batch size in `image_shape` is not binding: any batch size works.
- The softmax's cost is computed from its logits (no log of a probability).
Nielsen's initialisations (weights N(0, 1/n_out), biases N(0, 1); zeros for
the softmax) and his L2 term 0.5 * lmbda * sum(w^2) / num_training_batches
(as `keras.regularizers.L2` on each weight matrix) are kept.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_dlt.callbacks.backup import BackupAndResume
from keras_dlt.layers.conv_pool import ConvPool
from keras_dlt.layers.random_affine import RandomAffine
from keras_dlt.models.classifiers import _TutorialClassifier
from keras_dlt.utils import steps_per_execution_for

__all__ = ["Network", "FullyConnectedLayer", "ConvPoolLayer", "SoftmaxLayer", "ReLU", "sigmoid", "tanh", "linear",
           "ensemble_accuracy", "Network3Log", "PRESETS", "preset"]


# -- network3's activation functions ------------------------------------------------
def linear(z):
    return z


def ReLU(z):  # noqa: N802 (network3's name)
    return ops.maximum(0.0, z)


def sigmoid(z):
    return ops.sigmoid(z)


def tanh(z):
    return ops.tanh(z)


_ACTIVATIONS = {"linear": linear, "ReLU": ReLU, "sigmoid": sigmoid, "tanh": tanh}
_KERAS_NAMES = {"linear": "linear", "ReLU": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


def _activation_name(fn, where):
    for name, f in _ACTIVATIONS.items():
        if fn is f or fn == name:
            return name
    raise ValueError(f"{where}: activation_fn must be one of ReLU, sigmoid, tanh, linear (from "
                     f"keras_dlt.models.network3, or their names). Received: {fn!r}")


def _check_dropout(p, where):
    if not (isinstance(p, (int, float)) and 0.0 <= p < 1.0):
        raise ValueError(f"{where}: p_dropout must be in [0, 1). Received: p_dropout={p}")
    return float(p)


def _check_positive(value, name, where):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be an int >= 1. Received: {name}={value}")
    return int(value)


# -- the layers ----------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="keras_dlt")
class FullyConnectedLayer(keras.layers.Layer):
    """network3's fully connected layer: activation_fn(dropout(x) W + b), dropout on its input.

    Args:
        n_in, n_out: sizes (inputs are flattened to n_in).
        activation_fn: ReLU, sigmoid (default), tanh or linear.
        p_dropout: dropout probability of the layer's inputs while training
            (network3's: `w` multiplies the masked inputs unscaled, and is
            scaled by (1-p_dropout) at inference).
        seed: seed of the initialisation and of the dropout masks.
        dropout_form: "network3" (default: the above) or "inverted" (Keras'
            inverted dropout alone, as keras_dlt trained before 2026-11-24:
            another optimisation, see the module docstring; `.keras` files
            saved before then load in that form).
    """

    def __init__(self, n_in, n_out, activation_fn=sigmoid, p_dropout=0.0, seed=None, dropout_form="network3",
                 **kwargs):
        super().__init__(**kwargs)
        where = type(self).__name__
        if dropout_form not in ("network3", "inverted"):
            raise ValueError(f'{where}: dropout_form must be "network3" or "inverted". Received: {dropout_form!r}')
        self.dropout_form = dropout_form
        self.n_in, self.n_out = _check_positive(n_in, "n_in", where), _check_positive(n_out, "n_out", where)
        self.activation_name = _activation_name(activation_fn, where)
        self.activation_fn = _ACTIVATIONS[self.activation_name]
        self.p_dropout = _check_dropout(p_dropout, where)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _initializers(self):
        return (keras.initializers.RandomNormal(0.0, math.sqrt(1.0 / self.n_out), seed=self.seed),
                keras.initializers.RandomNormal(0.0, 1.0, seed=None if self.seed is None else self.seed + 1))

    def build(self, input_shape):
        w_init, b_init = self._initializers()
        self.w = self.add_weight(name="w", shape=(self.n_in, self.n_out), initializer=w_init)
        self.b = self.add_weight(name="b", shape=(self.n_out,), initializer=b_init)

    def logits(self, inputs, training=False):
        x = ops.reshape(inputs, (-1, self.n_in))
        if training and self.p_dropout > 0.0:
            x = keras.random.dropout(x, self.p_dropout, seed=self.seed_generator)  # mask * x / (1-p)
        if self.p_dropout > 0.0 and self.dropout_form == "network3":
            # network3's scale in both phases (module docstring): (mask * x) w while training, (1-p) x w after;
            # the factor goes on the [batch, n_in] inputs, cheaper than on w.
            x = (1.0 - self.p_dropout) * x
        return ops.matmul(x, self.w) + self.b

    def call(self, inputs, training=False):
        return self.activation_fn(self.logits(inputs, training))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_out)

    def get_config(self):
        config = super().get_config()
        config.update({"n_in": self.n_in, "n_out": self.n_out, "activation_fn": self.activation_name,
                       "p_dropout": self.p_dropout, "seed": self.seed, "dropout_form": self.dropout_form})
        return config

    @classmethod
    def from_config(cls, config):
        # A config without dropout_form was saved before the option existed, when dropout was inverted alone.
        return super().from_config({"dropout_form": "inverted", **config})


@keras.saving.register_keras_serializable(package="keras_dlt")
class SoftmaxLayer(FullyConnectedLayer):
    """network3's softmax output layer: softmax(dropout(x) W + b), weights and biases start at zero."""

    def __init__(self, n_in, n_out, p_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("activation_fn", None)
        super().__init__(n_in, n_out, activation_fn=linear, p_dropout=p_dropout, seed=seed, **kwargs)

    def _initializers(self):
        return "zeros", "zeros"

    def call(self, inputs, training=False):
        return ops.softmax(self.logits(inputs, training))


@keras.saving.register_keras_serializable(package="keras_dlt")
class ConvPoolLayer(keras.layers.Layer):
    """network3's convolution + max-pooling layer, on `keras_dlt.layers.ConvPool` (pool, then bias, activation).

    Args:
        filter_shape: (n_filters, n_input_feature_maps, filter_h, filter_w).
        image_shape: (mini_batch_size, n_input_feature_maps, h, w); the batch
            size is not binding.
        poolsize: (y, x) pooling sizes. Default (2, 2).
        activation_fn: ReLU, sigmoid (default), tanh or linear.
        seed: seed of the initialisation.
    """

    def __init__(self, filter_shape, image_shape, poolsize=(2, 2), activation_fn=sigmoid, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = type(self).__name__
        self.filter_shape = tuple(int(d) for d in filter_shape)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.poolsize = tuple(int(d) for d in poolsize)
        if len(self.filter_shape) != 4 or len(self.image_shape) != 4 or len(self.poolsize) != 2:
            raise ValueError(f"{where}: need filter_shape (n_filters, n_maps, h, w), image_shape (batch, n_maps, h, "
                             f"w), poolsize (y, x). Received: {filter_shape}, {image_shape}, {poolsize}")
        if self.filter_shape[1] != self.image_shape[1]:
            raise ValueError(f"{where}: filter_shape[1] ({self.filter_shape[1]} input maps) must equal "
                             f"image_shape[1] ({self.image_shape[1]}).")
        _, c, h, w = self.image_shape
        conv_h, conv_w = h - self.filter_shape[2] + 1, w - self.filter_shape[3] + 1
        if conv_h < 1 or conv_w < 1 or conv_h % self.poolsize[0] or conv_w % self.poolsize[1]:
            raise ValueError(f"{where}: a {self.filter_shape[2]}x{self.filter_shape[3]} filter on {h}x{w} images "
                             f"gives {conv_h}x{conv_w} maps, which {self.poolsize} pooling does not tile.")
        self.output_maps = (self.filter_shape[0], conv_h // self.poolsize[0], conv_w // self.poolsize[1])
        self.n_in, self.n_out = c * h * w, math.prod(self.output_maps)
        self.activation_name = _activation_name(activation_fn, where)
        self.activation_fn = _ACTIVATIONS[self.activation_name]
        self.seed = seed
        fan_out = self.filter_shape[0] * self.filter_shape[2] * self.filter_shape[3] / math.prod(self.poolsize)
        self.conv = ConvPool(
            self.filter_shape[0], kernel_size=self.filter_shape[2:], pool_size=self.poolsize,
            activation=_KERAS_NAMES[self.activation_name],
            kernel_initializer=keras.initializers.RandomNormal(0.0, math.sqrt(1.0 / fan_out), seed=seed),
            bias_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=None if seed is None else seed + 1),
            name="conv_pool")

    def _images(self, inputs):
        _, c, h, w = self.image_shape
        if len(inputs.shape) == 4:
            return inputs
        if len(inputs.shape) == 3:  # [n, h, w]
            return ops.expand_dims(inputs, -1)
        # Flat, in network3's [c, h, w] order.
        return ops.transpose(ops.reshape(inputs, (-1, c, h, w)), (0, 2, 3, 1))

    def build(self, input_shape):
        _, c, h, w = self.image_shape
        if not self.conv.built:
            self.conv.build((None, h, w, c))

    def call(self, inputs, training=False):
        return self.conv(self._images(inputs))

    def compute_output_shape(self, input_shape):
        f, h, w = self.output_maps
        return (input_shape[0], h, w, f)

    def get_config(self):
        config = super().get_config()
        config.update({"filter_shape": self.filter_shape, "image_shape": self.image_shape,
                       "poolsize": self.poolsize, "activation_fn": self.activation_name, "seed": self.seed})
        return config


def _describe(layer):
    if isinstance(layer, ConvPoolLayer):
        f, h, w = layer.output_maps
        return f"{f} maps of {h}x{w} = {layer.n_out} values"
    return f"n_out={layer.n_out}"


# -- the network ------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="keras_dlt")
class Network(_TutorialClassifier):
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
    fast_steps_per_execution = 50

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
                                 f"({type(prev).__name__}) gives {_describe(prev)}.")
        super().__init__(layers[0].n_in, layers[-1].n_out, **kwargs)
        self.mini_batch_size = _check_positive(mini_batch_size, "mini_batch_size", "Network")
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
        return 0.5 * lmbda * sum(ops.sum(ops.square(w)) for w in self.weight_matrices()) / num_training_batches

    def weight_matrices(self):
        """The weights network3's L2 term covers: every layer's w (the convolutions' filters included)."""
        return [l.conv.kernel if isinstance(l, ConvPoolLayer) else l.w for l in self.net_layers]

    def SGD(self, training_data, epochs, mini_batch_size=None, eta=0.1, validation_data=None, test_data=None,
            lmbda=0.0, callbacks=None, verbose=1, shuffle=True, monitor_training=False, steps_per_execution=None,
            jit_compile=False, backup_dir=None, **fit_kwargs):  # noqa: N802 (network3's name)
        """network3's `SGD`: plain mini-batch SGD on the log-likelihood + L2, via `compile` and `fit`.

        Args:
            training_data, validation_data, test_data: (x, y) pairs of arrays.
            epochs: epochs.
            mini_batch_size: default the network's.
            eta: learning rate, or a function epoch -> learning rate (the
                chapter's problem; applied at the start of each epoch).
            lmbda: L2 strength (network3's formula, as `keras.regularizers.L2`
                of 0.5 * lmbda / num_training_batches on each weight matrix).
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
                largest divisor of the epoch up to `fast_steps_per_execution`
                (small steps run much faster several at a time).
            jit_compile: XLA (helps on GPU). Default False.
            backup_dir: back up the training at each epoch's end there
                (`BackupAndResume`: weights, optimizer, the best accuracies);
                calling `SGD` again with the same folder and settings, in a
                new process after a crash or a kill, goes on where it stopped.
                The folder is kept at the end: delete it once done.
            **fit_kwargs: passed to `fit`.

        Returns:
            The Keras `History`; `history.history` has loss, accuracy,
            val_loss, val_accuracy per epoch (all epochs, those before a
            resume included); `self.best_validation_accuracy`,
            `self.best_test_accuracy` and `self.best_epoch` hold network3's
            closing numbers.
        """
        mini_batch_size = self.mini_batch_size if mini_batch_size is None else mini_batch_size
        mini_batch_size = _check_positive(mini_batch_size, "mini_batch_size", "Network.SGD")
        if not callable(eta) and not (isinstance(eta, (int, float)) and eta > 0):
            raise ValueError(f"Network.SGD: eta must be > 0 (or a function of the epoch). Received: eta={eta}")
        if not lmbda >= 0:
            raise ValueError(f"Network.SGD: lmbda must be >= 0. Received: lmbda={lmbda}")
        x, y = _pair(training_data, "training_data")
        num_training_batches = len(x) // mini_batch_size
        if num_training_batches < 1:
            raise ValueError(f"Network.SGD: {len(x)} training examples make no mini-batch of {mini_batch_size}.")
        if not self.built:
            self.build((None, self.n_in))
        regularizer = keras.regularizers.L2(0.5 * lmbda / num_training_batches) if lmbda > 0 else None
        for w in self.weight_matrices():
            w.regularizer = regularizer
        eta0 = eta(0) if callable(eta) else eta
        if steps_per_execution is None:
            steps_per_execution = steps_per_execution_for(num_training_batches, self.fast_steps_per_execution)
        self.compile(optimizer=keras.optimizers.SGD(eta0), metrics=["accuracy"],
                     steps_per_execution=steps_per_execution, jit_compile=jit_compile)
        callbacks = list(callbacks or [])
        if callable(eta):
            callbacks.insert(0, keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(eta(epoch))))
        log = Network3Log(test_data, verbose=verbose > 0,
                          training_data=(x[:10000], y[:10000]) if monitor_training else None)
        if backup_dir is not None:  # last, after the callbacks whose state it saves
            config = {"weight_shapes": [list(w.shape) for w in self.weights], "mini_batch_size": mini_batch_size,
                      "lmbda": lmbda, "shuffle": shuffle, "eta": "a function of the epoch" if callable(eta) else eta,
                      "training_examples": len(x)}
            callbacks.append(BackupAndResume(backup_dir, callbacks=[log], config=config, verbose=int(verbose > 0)))
        history = self.fit(x[:num_training_batches * mini_batch_size], y[:num_training_batches * mini_batch_size],
                           batch_size=mini_batch_size, epochs=epochs, shuffle=shuffle,
                           validation_data=None if validation_data is None else _pair(validation_data, "validation_data"),
                           callbacks=[log] + callbacks, verbose=1 if verbose == 1 else 0, **fit_kwargs)
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
        x, y = _pair(data, "data")
        self._check_arrays(x, y, "x", "y")
        p = self.predict(x, batch_size=batch_size, verbose=0)
        return float(np.mean(np.argmax(p, axis=1) == np.asarray(y).reshape(-1)))

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "layers": [keras.saving.serialize_keras_object(l) for l in self.net_layers],
                "mini_batch_size": self.mini_batch_size,
                "expand": None if self.expand is None else keras.saving.serialize_keras_object(self.expand)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("expand"), dict):
            config["expand"] = keras.saving.deserialize_keras_object(config["expand"])
        return cls(**config)


def _pair(data, name):
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(f"{name} must be an (x, y) pair of arrays.")
    x, y = np.asarray(data[0]), np.asarray(data[1])
    if len(x) != len(y):
        raise ValueError(f"{name}: x has {len(x)} examples but y has {len(y)}.")
    return x, y


class Network3Log(keras.callbacks.Callback):
    """Prints what network3 prints each epoch: the validation accuracy and, at a new best, the test accuracy."""

    def __init__(self, test_data=None, verbose=True, training_data=None):
        super().__init__()
        self.test_data = test_data
        self.training_data = training_data
        self.verbose = verbose
        self.best_validation = self.best_test = self.best_epoch = None
        self.records = []  # each epoch's logs

    def on_train_begin(self, logs=None):
        self.best_validation = self.best_test = self.best_epoch = None
        self.records = []

    def get_state(self):
        """For `BackupAndResume`: the best point and the per-epoch records."""
        return {"best_validation": self.best_validation, "best_test": self.best_test, "best_epoch": self.best_epoch,
                "records": self.records}, None

    def set_state(self, state, arrays=None):
        self.best_validation, self.best_test = state["best_validation"], state["best_test"]
        self.best_epoch, self.records = state["best_epoch"], state["records"]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.training_data is not None:  # clean numbers: no dropout, no expansion
            cost, accuracy = self.model.evaluate(*self.training_data, batch_size=1000, verbose=0)
            logs.update({"train_cost": cost, "train_accuracy": accuracy})
        self.records.append({k: float(v) for k, v in logs.items()})
        if "val_accuracy" not in logs:
            return
        acc = float(logs["val_accuracy"])
        if self.verbose:
            print(f"Epoch {epoch}: validation accuracy {acc:.2%}", flush=True)
        if self.best_validation is None or acc >= self.best_validation:
            self.best_validation, self.best_epoch = acc, epoch
            if self.verbose:
                print("This is the best validation accuracy to date.", flush=True)
            if self.test_data is not None:
                self.best_test = self.model.accuracy(self.test_data)
                if self.verbose:
                    print(f"The corresponding test accuracy is {self.best_test:.2%}", flush=True)


def ensemble_accuracy(networks, data):
    """Accuracy of the networks' majority vote on `data` = (x, y) (ties: the lowest class; Nielsen's ensemble)."""
    x, y = _pair(data, "data")
    votes = np.stack([np.argmax(n.predict(x, batch_size=1000, verbose=0), axis=1) for n in networks])
    counts = np.apply_along_axis(np.bincount, 0, votes, minlength=networks[0].n_out)
    return float(np.mean(np.argmax(counts, axis=0) == y.reshape(-1)))


# -- the chapter's networks ---------------------------------------------------------------
#: Nielsen's chapter 6 runs: (description, SGD settings, reported test accuracy). The expanded-data
#: presets expand on the fly, so an epoch stays 50,000 images; Nielsen stored 250,000 (each digit and four
#: one-pixel shifts), so his epochs hold five times the examples: give 5x the epochs for as many updates.
PRESETS = {
    "baseline": ("100 sigmoid hidden units", dict(epochs=60, eta=0.1, lmbda=0.0), 0.9780),
    "conv1": ("one conv-pool layer (20 5x5 filters) + 100 sigmoid units", dict(epochs=60, eta=0.1, lmbda=0.0), 0.9878),
    "conv2": ("two conv-pool layers (20, 40 filters) + 100 sigmoid units", dict(epochs=60, eta=0.1, lmbda=0.0), 0.9906),
    "relu": ("two conv-pool layers, ReLU, L2 0.1", dict(epochs=60, eta=0.03, lmbda=0.1), 0.9923),
    "expanded": ("as relu, on expanded training data", dict(epochs=60, eta=0.03, lmbda=0.1), 0.9937),
    "dropout": ("expanded data, two conv-pool, two 1000-unit ReLU layers, dropout 0.5",
                dict(epochs=40, eta=0.03, lmbda=0.0), 0.9960),
    "ensemble": ("five dropout networks, majority vote", dict(epochs=40, eta=0.03, lmbda=0.0), 0.9967),
}


def preset(name, mini_batch_size=10, seed=None, dropout_form="network3"):
    """The chapter's network called `name` (see `PRESETS`), unbuilt; its SGD settings are `PRESETS[name][1]`.

    `dropout_form` is given to the dropout presets' layers (see `FullyConnectedLayer`).
    """
    if name not in PRESETS:
        raise ValueError(f"network3 preset must be one of {sorted(PRESETS)}. Received: {name!r}")

    def s(i):
        return None if seed is None else seed + 10 * i

    mbs = mini_batch_size
    act = ReLU if name in ("relu", "expanded", "dropout", "ensemble") else sigmoid
    conv1 = ConvPoolLayer(image_shape=(mbs, 1, 28, 28), filter_shape=(20, 1, 5, 5), poolsize=(2, 2), activation_fn=act,
                          seed=s(1))
    conv2 = ConvPoolLayer(image_shape=(mbs, 20, 12, 12), filter_shape=(40, 20, 5, 5), poolsize=(2, 2),
                          activation_fn=act, seed=s(2))
    if name == "baseline":
        layers = [FullyConnectedLayer(784, 100, seed=s(1)), SoftmaxLayer(100, 10, seed=s(2))]
    elif name == "conv1":
        layers = [conv1, FullyConnectedLayer(20 * 12 * 12, 100, seed=s(2)), SoftmaxLayer(100, 10, seed=s(3))]
    elif name in ("conv2", "relu", "expanded"):
        layers = [conv1, conv2, FullyConnectedLayer(40 * 4 * 4, 100, activation_fn=act, seed=s(3)),
                  SoftmaxLayer(100, 10, seed=s(4))]
    else:
        drop = {"p_dropout": 0.5, "dropout_form": dropout_form}
        layers = [conv1, conv2, FullyConnectedLayer(40 * 4 * 4, 1000, activation_fn=ReLU, seed=s(3), **drop),
                  FullyConnectedLayer(1000, 1000, activation_fn=ReLU, seed=s(4), **drop),
                  SoftmaxLayer(1000, 10, seed=s(5), **drop)]
    expand = RandomAffine(image_shape=(28, 28, 1), seed=s(9)) if name in ("expanded", "dropout", "ensemble") else None
    return Network(layers, mini_batch_size=mbs, expand=expand, name=f"network3_{name}")
