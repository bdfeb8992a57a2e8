"""The supervised tutorials: logistic regression, MLP and LeNet on MNIST."""

from keras_dlt.models.classifiers.base import TutorialClassifier
from keras_dlt.models.classifiers.lenet import LeNet
from keras_dlt.models.classifiers.logistic import LogisticRegression
from keras_dlt.models.classifiers.mlp import MLP

__all__ = ["LogisticRegression", "MLP", "LeNet", "TutorialClassifier"]
