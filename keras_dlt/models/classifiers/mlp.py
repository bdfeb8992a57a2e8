"""The multilayer perceptron (the tutorial's mlp.py), also the classifier the SdA and DBN fine-tune."""

import keras
from keras import ops

from keras_dlt.core.random import sub_seed
from keras_dlt.initializers import for_activation
from keras_dlt.models.classifiers.base import TutorialClassifier
from keras_dlt.regularizers import L1L2

__all__ = ["MLP"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class MLP(TutorialClassifier):
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

    def __init__(self, n_in=784, hidden_units=(500,), n_out=10, activation="tanh", l1=0.0, l2=1e-4, seed=None, **kwargs):
        super().__init__(n_in, n_out, **kwargs)
        hidden_units = (hidden_units,) if isinstance(hidden_units, int) else tuple(hidden_units)
        if not hidden_units or not all(isinstance(u, int) and u > 0 for u in hidden_units):
            raise ValueError(f"MLP: hidden_units must be positive ints. Received: hidden_units={hidden_units}")
        self.hidden_units = hidden_units
        self.activation = activation
        self.l1, self.l2 = float(l1), float(l2)
        self.seed = seed
        reg = L1L2(l1=self.l1, l2=self.l2) if (self.l1 or self.l2) else None
        self.hidden_layers = [
            keras.layers.Dense(
                units,
                activation=activation,
                kernel_initializer=for_activation(activation, seed=sub_seed(seed, i)),
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
        return ops.softmax(self._propagate_non_finite(self.classifier(h), inputs))

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "l1": self.l1,
            "l2": self.l2,
            "seed": self.seed,
        }
