"""`keras.Model` subclasses of the tutorials, by family.

- `classifiers`: `LogisticRegression`, `MLP`, `LeNet`.
- `autoencoders`: `DenoisingAutoencoder`, `StackedDenoisingAutoencoder`.
- `boltzmann`: `RBM`, `DBN`, AIS, `GaussianBernoulliRBM`, `RnnRbm`.
- `energy_model`: `EnergyModel` (persistent HMC chains).
- `network3`: Nielsen's `Network` and its layers and presets.
"""

from keras_dlt.models import network3
from keras_dlt.models.autoencoders import DenoisingAutoencoder, StackedDenoisingAutoencoder
from keras_dlt.models.boltzmann import DBN, RBM, GaussianBernoulliRBM, RnnRbm
from keras_dlt.models.classifiers import MLP, LeNet, LogisticRegression
from keras_dlt.models.energy_model import EnergyModel
from keras_dlt.models.network3 import Network

__all__ = ["LogisticRegression", "MLP", "LeNet", "DenoisingAutoencoder", "StackedDenoisingAutoencoder", "RBM", "DBN",
           "EnergyModel", "GaussianBernoulliRBM", "network3", "Network", "RnnRbm"]
