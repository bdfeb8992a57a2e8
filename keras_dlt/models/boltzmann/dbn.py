"""The DBN tutorial (DBN.py): a sigmoid MLP whose hidden layers are pretrained greedily as RBMs (Hinton et al. 2006)."""

import keras
import numpy as np

from keras_dlt.core.random import sub_seed
from keras_dlt.models.boltzmann.rbm import RBM
from keras_dlt.models.classifiers.mlp import MLP
from keras_dlt.models.pretraining import GreedyPretraining

__all__ = ["DBN"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class DBN(GreedyPretraining, MLP):
    """The DBN tutorial: sigmoid hidden layers + logistic regression, pretrained greedily as RBMs.

    A classifier exactly like `MLP(activation="sigmoid")` (same `fit`,
    `compile()` with SGD lr 0.1 for fine-tuning, `error` metric).
    `pretrain` trains each hidden `Dense` in place as an RBM with CD-k on
    the layer below's mean activations, computed once per layer.

    Args:
        hidden_layers_sizes: default `(1000, 1000, 1000)`.
        n_outs: classes. Default 10.
        n_in: input size. Default 784.
        seed: seed of the initialisation and the Gibbs sampling.

    Example:
        >>> dbn = DBN((1000, 1000, 1000), n_outs=10, seed=123)
        >>> dbn.pretrain(x_train, epochs=100, batch_size=10, learning_rate=0.01, k=1)
        >>> dbn.compile()                      # fine-tuning: SGD lr 0.1
        >>> dbn.fit(x_train, y_train, batch_size=10, epochs=100)
    """

    default_learning_rate = 0.1

    def __init__(self, hidden_layers_sizes=(1000, 1000, 1000), n_outs=10, n_in=784, seed=None, **kwargs):
        super().__init__(n_in=n_in, hidden_units=tuple(hidden_layers_sizes), n_out=n_outs, activation="sigmoid",
                         l1=0.0, l2=0.0, seed=seed, **kwargs)

    pretraining_monitor = "reconstruction_cost"
    pretraining_defaults = {"epochs": 100, "batch_size": 10, "learning_rate": 0.01}

    def pretraining_model(self, i, k=1):
        """The CD-k RBM that trains hidden layer `i` in place (its own sampling seed)."""
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"DBN.pretrain: k must be an int >= 1. Received: k={k}")
        return RBM(dense=self.hidden_layers[i], k=k, persistent=False, seed=sub_seed(self.seed, 1000 + i),
                   name=f"pretrain_{i}")
