"""`keras.Model` subclasses of the tutorials."""

from keras_dlt.models.autoencoders import DenoisingAutoencoder, StackedDenoisingAutoencoder
from keras_dlt.models.boltzmann import DBN, RBM
from keras_dlt.models.classifiers import MLP, LeNet, LogisticRegression
from keras_dlt.models.energy_model import EnergyModel
from keras_dlt.models.gaussian_rbm import GaussianBernoulliRBM
from keras_dlt.models import network3
from keras_dlt.models.network3 import Network
from keras_dlt.models.rnn_rbm import RnnRbm

__all__ = ["LogisticRegression", "MLP", "LeNet", "DenoisingAutoencoder", "StackedDenoisingAutoencoder", "RBM", "DBN",
           "EnergyModel", "GaussianBernoulliRBM", "network3", "Network", "RnnRbm"]
