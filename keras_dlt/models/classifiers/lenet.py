"""LeNet (the tutorial's convolutional_mlp.py): ConvPool layers, a tanh hidden layer, logistic regression."""

import keras
import numpy as np
from keras import ops

from keras_dlt.core.random import sub_seed
from keras_dlt.initializers import for_activation
from keras_dlt.layers.conv_pool import ConvPool
from keras_dlt.models.classifiers.base import TutorialClassifier, image_shapes
from keras_dlt.regularizers import L1L2

__all__ = ["LeNet"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class LeNet(TutorialClassifier):
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
        reg = L1L2(l2=self.l2) if self.l2 else None

        self.conv_layers = [
            ConvPool(
                k,
                self.filter_size,
                self.pool_size,
                activation=activation,
                kernel_regularizer=reg,
                seed=sub_seed(seed, i),
                name=f"conv_pool_{i}",
            )
            for i, k in enumerate(self.nkerns)
        ]
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(
            n_hidden,
            activation=activation,
            kernel_initializer=for_activation(activation, seed=sub_seed(seed, len(self.nkerns))),
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
        return image_shapes(self.n_in, self.image_shape)

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
            with self.distribute_strategy.scope():
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
        return ops.softmax(self._propagate_non_finite(self.classifier(h), inputs))

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
