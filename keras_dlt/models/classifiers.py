"""The supervised tutorials: logistic regression, MLP and LeNet on MNIST.

Each model outputs class probabilities (the tutorial's `p_y_given_x`),
accepts images as `[n, 784]`, `[n, 28, 28]` or `[n, 28, 28, 1]`, and
`compile()` with no arguments uses the tutorial's plain SGD at its learning
rate, the negative log-likelihood and the zero-one `error` metric. The loss is
computed from the logits behind the softmax (Keras picks them up), so it stays
finite when a probability underflows.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_dlt.initializers import for_activation
from keras_dlt.layers.conv_pool import ConvPool
from keras_dlt.metrics import ZeroOneError
from keras_dlt.models.tutorial_sgd import TutorialSGD

__all__ = ["LogisticRegression", "MLP", "LeNet"]


class _TutorialClassifier(TutorialSGD, keras.Model):
    """Shared behaviour: default compile, input checks, array validation."""

    #: Minibatches per compiled call that train fastest on CPU (measured with
    #: bench/supervised.py; the apps use the largest divisor of the epoch up
    #: to this). Small-step models gain from many; LeNet loses beyond a few.
    fast_steps_per_execution = 100
    #: Largest batch at which XLA (`jit_compile=True`) trains faster on CPU
    #: (the apps' "auto"): it fuses a small step's many tiny ops; bigger
    #: batches are matmul-bound and XLA's CPU matmuls are slower. 0 = never.
    fast_jit_batch_size = 0

    def __init__(self, n_in, n_out, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n_out, int) or n_out < 2:
            raise ValueError(f"{type(self).__name__}: n_out must be an int >= 2. Received: n_out={n_out}")
        self.n_in = n_in
        self.n_out = n_out

    def compile(self, optimizer=None, loss=None, metrics=None, **kwargs):
        """`Model.compile` with the tutorial's defaults.

        Args:
            optimizer: default: plain SGD at `default_learning_rate`.
            loss: default: negative log-likelihood (sparse categorical
                cross-entropy on the probabilities, computed from logits).
            metrics: default: `[ZeroOneError()]`, reported as `error`.
            **kwargs: passed to `keras.Model.compile` (e.g.
                `steps_per_execution`, `jit_compile`).
        """
        optimizer = self.tutorial_optimizer(optimizer)
        if loss is None:
            loss = keras.losses.SparseCategoricalCrossentropy(name="nll")
        if metrics is None:
            metrics = [ZeroOneError()]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """`Model.fit`, after checking numpy inputs (shape, NaNs, label range)."""
        self._check_arrays(x, y, "x", "y")
        if isinstance(validation_data, (tuple, list)) and len(validation_data) >= 2:
            self._check_arrays(validation_data[0], validation_data[1], "validation x", "validation y")
        return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`Model.evaluate`, after checking numpy inputs."""
        self._check_arrays(x, y, "x", "y")
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """`Model.predict`, after checking numpy inputs."""
        self._check_arrays(x, None, "x", "y")
        return super().predict(x, *args, **kwargs)

    # -- checks ------------------------------------------------------------
    def _check_arrays(self, x, y, x_name, y_name):
        name = type(self).__name__
        if isinstance(x, np.ndarray):
            self._check_shape(x.shape, x_name)
            if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
                bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
                raise ValueError(f"{name}: {x_name} holds {bad} NaN or infinite values.")
        if isinstance(y, np.ndarray):
            if isinstance(x, np.ndarray) and len(x) != len(y):
                raise ValueError(f"{name}: {x_name} has {len(x)} examples but {y_name} has {len(y)}.")
            if y.size and not np.issubdtype(y.dtype, np.number):
                raise ValueError(f"{name}: {y_name} must be integer class labels; got dtype {y.dtype}.")
            if y.size and (np.min(y) < 0 or np.max(y) >= self.n_out or np.any(y != np.round(y))):
                bad = y[(y < 0) | (y >= self.n_out) | (y != np.round(y))][0]
                raise ValueError(f"{name}: {y_name} must hold class labels in 0..{self.n_out - 1}; found {bad}.")

    def _check_shape(self, shape, what="input"):
        """Raises a clear ValueError unless `shape` is a batch of our inputs."""
        if getattr(shape, "rank", 0) is None:  # traced with relaxed shapes
            return
        dims = tuple(shape[1:])
        accepted = self._accepted_shapes()
        if len(shape) < 2 or (None not in dims and dims not in accepted):
            pretty = " or ".join(str([None, *s]).replace("None", "n") for s in accepted)
            raise ValueError(
                f"{type(self).__name__}: {what} must have shape {pretty}. Received: shape={tuple(shape)}"
            )

    def _accepted_shapes(self):
        """Flat vectors, and square images (with or without a channel) when n_in is a square."""
        side = math.isqrt(self.n_in)
        return _image_shapes(self.n_in, (side, side, 1)) if side * side == self.n_in else ((self.n_in,),)

    def _as_vectors(self, x):
        self._check_shape(x.shape)
        return ops.reshape(ops.cast(x, self.compute_dtype), (-1, self.n_in))

    # -- serialisation -----------------------------------------------------
    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "n_in": self.n_in, "n_out": self.n_out}


def _image_shapes(n_in, image_shape):
    h, w, c = image_shape
    shapes = [(n_in,), (h, w, c)]
    if c == 1:
        shapes.insert(1, (h, w))
    return tuple(shapes)


@keras.saving.register_keras_serializable(package="keras_dlt")
class LogisticRegression(_TutorialClassifier):
    """Multiclass logistic regression: p(y|x) = softmax(x W + b).

    W and b start at zero, as in the tutorial. Its defaults (learning rate
    0.13, batch 600) reach about 7.5 % test error on MNIST.

    Args:
        n_in: input size. Default 784 (28x28 images, given flat or not).
        n_out: number of classes. Default 10.
        l1, l2: weights of L1 / squared-L2 penalties on W. Default 0.

    Example:
        >>> model = LogisticRegression()
        >>> model.compile()
        >>> model.fit(x_train, y_train, batch_size=600, epochs=1)
    """

    default_learning_rate = 0.13

    def __init__(self, n_in=784, n_out=10, l1=0.0, l2=0.0, **kwargs):
        super().__init__(n_in, n_out, **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        reg = keras.regularizers.L1L2(l1=self.l1, l2=self.l2) if (self.l1 or self.l2) else None
        self.classifier = keras.layers.Dense(
            n_out, kernel_initializer="zeros", kernel_regularizer=reg, name="logistic"
        )

    def build(self, input_shape):
        self.classifier.build((None, self.n_in))

    def call(self, inputs):
        return ops.softmax(self.classifier(self._as_vectors(inputs)))

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


@keras.saving.register_keras_serializable(package="keras_dlt")
class MLP(_TutorialClassifier):
    """Multilayer perceptron: tanh (or sigmoid) hidden layers + logistic regression.

    Hidden weights use the tutorial's uniform initialisation (x4 for sigmoid),
    the logistic layer starts at zero. The L1 and squared-L2 penalties apply to
    every weight matrix, as `L1_reg * L1 + L2_reg * L2_sqr` in the tutorial.
    The hidden `Dense` layers are `model.hidden_layers`, so a pretraining model
    (dA, RBM) can train the very same kernels.

    Args:
        n_in: input size. Default 784.
        hidden_units: sizes of the hidden layers. Default `(500,)`.
        n_out: number of classes. Default 10.
        activation: hidden activation. Default `"tanh"`.
        l1: L1 weight. Default 0.0.
        l2: squared-L2 weight. Default 1e-4 (the tutorial's `L2_reg`).
        seed: seed of the weight initialisation.

    Example:
        >>> model = MLP()          # 784-500-10, tanh, L2 1e-4
        >>> model.compile()        # SGD lr 0.01
        >>> model.fit(x_train, y_train, batch_size=20, epochs=1)
    """

    default_learning_rate = 0.01
    fast_jit_batch_size = 10

    def __init__(self, n_in=784, hidden_units=(500,), n_out=10, activation="tanh", l1=0.0, l2=1e-4, seed=None, **kwargs):
        super().__init__(n_in, n_out, **kwargs)
        hidden_units = (hidden_units,) if isinstance(hidden_units, int) else tuple(hidden_units)
        if not hidden_units or not all(isinstance(u, int) and u > 0 for u in hidden_units):
            raise ValueError(f"MLP: hidden_units must be positive ints. Received: hidden_units={hidden_units}")
        self.hidden_units = hidden_units
        self.activation = activation
        self.l1, self.l2 = float(l1), float(l2)
        self.seed = seed
        reg = keras.regularizers.L1L2(l1=self.l1, l2=self.l2) if (self.l1 or self.l2) else None
        self.hidden_layers = [
            keras.layers.Dense(
                units,
                activation=activation,
                kernel_initializer=for_activation(activation, seed=None if seed is None else seed + i),
                kernel_regularizer=reg,
                name=f"hidden_{i}",
            )
            for i, units in enumerate(hidden_units)
        ]
        self.classifier = keras.layers.Dense(
            n_out, kernel_initializer="zeros", kernel_regularizer=reg, name="logistic"
        )

    def build(self, input_shape):
        size = self.n_in
        for layer in self.hidden_layers:
            layer.build((None, size))
            size = layer.units
        self.classifier.build((None, size))

    def call(self, inputs):
        h = self._as_vectors(inputs)
        for layer in self.hidden_layers:
            h = layer(h)
        return ops.softmax(self.classifier(h))

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "l1": self.l1,
            "l2": self.l2,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="keras_dlt")
class LeNet(_TutorialClassifier):
    """The tutorial's LeNet: ConvPool layers, a tanh hidden layer, logistic regression.

    Default: 20 and 50 kernels of 5x5, 2x2 max-pooling, 500 tanh hidden units,
    10 classes, images 28x28x1 (also accepted flat or without the channel).

    Args:
        nkerns: feature maps of each ConvPool layer. Default `(20, 50)`.
        filter_size: convolution size (int or pair). Default `(5, 5)`.
        pool_size: pooling size (int or pair). Default `(2, 2)`.
        n_hidden: fully connected tanh units. Default 500.
        n_out: number of classes. Default 10.
        image_shape: `(height, width, channels)`. Default `(28, 28, 1)`.
        activation: activation of the ConvPool and hidden layers. Default tanh.
        l2: squared-L2 weight on every kernel. Default 0 (the tutorial has none).
        seed: seed of the weight initialisation.

    Example:
        >>> model = LeNet()
        >>> model.compile()        # SGD lr 0.1
        >>> model.fit(x_train, y_train, batch_size=500, epochs=1)
    """

    default_learning_rate = 0.1
    fast_steps_per_execution = 4

    def __init__(
        self,
        nkerns=(20, 50),
        filter_size=(5, 5),
        pool_size=(2, 2),
        n_hidden=500,
        n_out=10,
        image_shape=(28, 28, 1),
        activation="tanh",
        l2=0.0,
        seed=None,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        if len(image_shape) != 3:
            raise ValueError(f"LeNet: image_shape must be (height, width, channels). Received: image_shape={image_shape}")
        super().__init__(int(np.prod(image_shape)), n_out, **kwargs)
        self.nkerns = (nkerns,) if isinstance(nkerns, int) else tuple(nkerns)
        self.filter_size = filter_size if isinstance(filter_size, int) else tuple(filter_size)
        self.pool_size = pool_size if isinstance(pool_size, int) else tuple(pool_size)
        self.n_hidden = n_hidden
        self.image_shape = image_shape
        self.activation = activation
        self.l2 = float(l2)
        self.seed = seed
        reg = keras.regularizers.L2(self.l2) if self.l2 else None

        def layer_seed(i):
            return None if seed is None else seed + i

        self.conv_layers = [
            ConvPool(
                k,
                self.filter_size,
                self.pool_size,
                activation=activation,
                kernel_regularizer=reg,
                seed=layer_seed(i),
                name=f"conv_pool_{i}",
            )
            for i, k in enumerate(self.nkerns)
        ]
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(
            n_hidden,
            activation=activation,
            kernel_initializer=for_activation(activation, seed=layer_seed(len(self.nkerns))),
            kernel_regularizer=reg,
            name="hidden",
        )
        self.classifier = keras.layers.Dense(
            n_out, kernel_initializer="zeros", kernel_regularizer=reg, name="logistic"
        )
        # Fail now, not deep inside TensorFlow, when the sizes do not chain.
        shape = (None, *image_shape)
        for layer in self.conv_layers:
            out = layer.compute_output_shape(shape)
            if out[1] < 1 or out[2] < 1:
                raise ValueError(
                    f"LeNet: {layer.name} maps {shape[1:3]} to {out[1:3]}: the image is too small for "
                    f"filter_size={self.filter_size}, pool_size={self.pool_size} after {len(self.nkerns)} layers."
                )
            shape = out
        self._flat_size = int(np.prod(shape[1:]))

    def _accepted_shapes(self):
        return _image_shapes(self.n_in, self.image_shape)

    def init_as_tutorial(self, seed=23455):
        """Sets the weights to the tutorial's own initial draws (convolutional_mlp.py), and returns the model.

        `numpy.random.RandomState(seed)` draws, in the tutorial's order, each
        LeNetConvPoolLayer's filters `(filters, channels, h, w)` uniform in
        +-sqrt(6 / (fan_in + fan_out)) with fan_out = filters * h * w // pool
        area, then the hidden layer's `(n_in, n_hidden)` weights uniform in
        +-sqrt(6 / (n_in + n_hidden)); biases and the logistic layer are zero.
        The draws are laid out for this model so that it computes the same
        function as the tutorial's network: filters flipped (Theano's conv2d
        is a true convolution, Keras' a correlation) and moved to
        `(h, w, channels, filters)`, hidden rows reordered from Theano's
        channel-major flatten to Keras' channels-last one. With the
        tutorial's seed (23455) and its fixed minibatch order, training
        starts where the tutorial's published runs started.
        """
        if not self.built:
            self.build((None, self.n_in))
        rng = np.random.RandomState(seed)
        fh, fw = (self.filter_size,) * 2 if isinstance(self.filter_size, int) else self.filter_size
        ph, pw = (self.pool_size,) * 2 if isinstance(self.pool_size, int) else self.pool_size
        channels = self.image_shape[2]
        for layer, k in zip(self.conv_layers, self.nkerns):
            fan_in, fan_out = channels * fh * fw, k * fh * fw // (ph * pw)
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(low=-bound, high=bound, size=(k, channels, fh, fw)).astype("float32")
            layer.kernel.assign(w[:, :, ::-1, ::-1].transpose(2, 3, 1, 0))
            layer.bias.assign(np.zeros(k, "float32"))
            channels = k
        bound = np.sqrt(6.0 / (self._flat_size + self.n_hidden))
        w = rng.uniform(low=-bound, high=bound, size=(self._flat_size, self.n_hidden)).astype("float32")
        shape = (None, *self.image_shape)
        for layer in self.conv_layers:
            shape = layer.compute_output_shape(shape)
        _, h, wd, c = shape  # Theano flattens (c, h, w), Keras (h, w, c): row r here is Theano's order[r]
        order = np.arange(self._flat_size).reshape(c, h, wd).transpose(1, 2, 0).reshape(-1)
        self.hidden.kernel.assign(w[order])
        self.hidden.bias.assign(np.zeros(self.n_hidden, "float32"))
        self.classifier.kernel.assign(np.zeros(self.classifier.kernel.shape, "float32"))
        self.classifier.bias.assign(np.zeros(self.classifier.bias.shape, "float32"))
        return self

    def _as_images(self, x):
        self._check_shape(x.shape)
        return ops.reshape(ops.cast(x, self.compute_dtype), (-1, *self.image_shape))

    def build(self, input_shape):
        shape = (None, *self.image_shape)
        for layer in self.conv_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.hidden.build((None, self._flat_size))
        self.classifier.build((None, self.n_hidden))

    def call(self, inputs):
        h = self._as_images(inputs)
        for layer in self.conv_layers:
            h = layer(h)
        h = self.hidden(self.flatten(h))
        return ops.softmax(self.classifier(h))

    def get_config(self):
        config = super().get_config()
        del config["n_in"]
        return {
            **config,
            "nkerns": list(self.nkerns),
            "filter_size": self.filter_size,
            "pool_size": self.pool_size,
            "n_hidden": self.n_hidden,
            "image_shape": list(self.image_shape),
            "activation": self.activation,
            "l2": self.l2,
            "seed": self.seed,
        }
