"""Multiclass logistic regression (the tutorial's logistic_sgd.py)."""

import keras
from keras import ops

from keras_dlt.models.classifiers.base import TutorialClassifier
from keras_dlt.regularizers import L1L2

__all__ = ["LogisticRegression"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class LogisticRegression(TutorialClassifier):
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
        reg = L1L2(l1=self.l1, l2=self.l2) if (self.l1 or self.l2) else None
        self.classifier = keras.layers.Dense(
            n_out, kernel_initializer="zeros", kernel_regularizer=reg, name="logistic"
        )

    def build(self, input_shape):
        self.classifier.build((None, self.n_in))

    def call(self, inputs):
        return ops.softmax(self._propagate_non_finite(self.classifier(self._as_vectors(inputs)), inputs))

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
