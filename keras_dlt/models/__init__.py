"""`keras.Model` subclasses of the tutorials."""

from keras_dlt.models.autoencoders import DenoisingAutoencoder, StackedDenoisingAutoencoder
from keras_dlt.models.boltzmann import DBN, RBM
from keras_dlt.models.classifiers import MLP, LeNet, LogisticRegression

__all__ = ["LogisticRegression", "MLP", "LeNet", "DenoisingAutoencoder", "StackedDenoisingAutoencoder", "RBM", "DBN"]
