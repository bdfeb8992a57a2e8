"""The published settings the apps offer by name: network3's presets and the RNN-RBM's recipes.

Plain data (no TensorFlow is imported here), so that an app's `--help`
lists the names at once. The models and the training layer re-export them
where they are used: `keras_dlt.models.network3.PRESETS` builds the
networks, `keras_dlt.training.music.RECIPES` trains the RNN-RBM.
"""

import dataclasses

import numpy as np

__all__ = ["NETWORK3_PRESETS", "RnnRbmRecipe", "RNNRBM_RECIPES"]

#: Nielsen's chapter 6 runs: (description, SGD settings, reported test accuracy). The expanded-data
#: presets expand on the fly, so an epoch stays 50,000 images; Nielsen stored 250,000 (each digit and four
#: one-pixel shifts), so his epochs hold five times the examples: give 5x the epochs for as many updates.
NETWORK3_PRESETS = {
    "baseline": ("100 sigmoid hidden units", dict(epochs=60, eta=0.1, lmbda=0.0), 0.9780),
    "conv1": ("one conv-pool layer (20 5x5 filters) + 100 sigmoid units", dict(epochs=60, eta=0.1, lmbda=0.0), 0.9878),
    "conv2": ("two conv-pool layers (20, 40 filters) + 100 sigmoid units", dict(epochs=60, eta=0.1, lmbda=0.0), 0.9906),
    "relu": ("two conv-pool layers, ReLU, L2 0.1", dict(epochs=60, eta=0.03, lmbda=0.1), 0.9923),
    "expanded": ("as relu, on expanded training data", dict(epochs=60, eta=0.03, lmbda=0.1), 0.9937),
    "dropout": ("expanded data, two conv-pool, two 1000-unit ReLU layers, dropout 0.5",
                dict(epochs=40, eta=0.03, lmbda=0.0), 0.9960),
    "ensemble": ("five dropout networks, majority vote", dict(epochs=40, eta=0.03, lmbda=0.0), 0.9967),
}


@dataclasses.dataclass(frozen=True)
class RnnRbmRecipe:
    """How an RNN-RBM is trained (`keras_dlt.training.music` describes the two named recipes, `RNNRBM_RECIPES`)."""

    name: str = "tutorial"
    learning_rate: float = 0.001
    epochs: int = 200
    momentum: float = 0.0
    nesterov: bool = False
    clipnorm: float = None           # clip each update's gradient to this global norm
    rbm_epochs: int = 0              # RBM pretraining on all frames (0: none)
    rbm_learning_rate: float = 0.01
    rbm_k: int = 1                   # CD-k of the pretraining
    rnn_epochs: int = 0              # RNN pretraining as a next-frame predictor, at most this many epochs (0: none)
    rnn_learning_rate: float = 0.003  # its Adam learning rate
    patience: int = None             # stop after this many epochs without a better validation accuracy
    rnn_init: str = "tutorial"       # "tutorial": N(0, 0.01); "glorot": Glorot-uniform inputs/outputs, orthogonal Wuu
    validate_every: int = 1          # epochs between validation measures
    chunk_length: int = 100

    def __post_init__(self):
        for name in ("learning_rate", "rbm_learning_rate", "rnn_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"RnnRbmRecipe: {name} must be > 0. Received: {getattr(self, name)}")
        for name in ("epochs", "rbm_k", "validate_every", "chunk_length"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"RnnRbmRecipe: {name} must be an int >= 1. Received: {value}")
        if not isinstance(self.rnn_epochs, (int, np.integer)) or self.rnn_epochs < 0:
            raise ValueError(f"RnnRbmRecipe: rnn_epochs must be an int >= 0. Received: {self.rnn_epochs}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"RnnRbmRecipe: momentum must be in [0, 1). Received: {self.momentum}")
        if self.clipnorm is not None and not self.clipnorm > 0:
            raise ValueError(f"RnnRbmRecipe: clipnorm must be > 0 or None. Received: {self.clipnorm}")
        if self.rnn_init not in ("tutorial", "glorot"):
            raise ValueError(f"RnnRbmRecipe: rnn_init must be 'tutorial' or 'glorot'. Received: {self.rnn_init!r}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"RnnRbmRecipe: patience must be >= 1 or None. Received: {self.patience}")

    def optimizer(self):
        """The recipe's Keras optimizer (SGD, with its momentum and clipping)."""
        import keras

        return keras.optimizers.SGD(self.learning_rate, momentum=self.momentum, nesterov=self.nesterov,
                                    global_clipnorm=self.clipnorm)


#: The RNN-RBM's named training recipes, "tutorial" and "paper" (`keras_dlt.training.music`).
RNNRBM_RECIPES = {
    "tutorial": RnnRbmRecipe(),
    "paper": RnnRbmRecipe(name="paper", learning_rate=0.0005, epochs=200, momentum=0.9, nesterov=True,
                          clipnorm=10.0, rbm_epochs=0, rbm_learning_rate=0.1, rbm_k=1, rnn_epochs=100, patience=10,
                          validate_every=1),
}
