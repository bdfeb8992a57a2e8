"""The stacked denoising autoencoders tutorial (SdA.py): an MLP pretrained greedily as dAs."""

import keras

from keras_dlt.core.random import sub_seed
from keras_dlt.models.autoencoders.denoising import DenoisingAutoencoder
from keras_dlt.models.classifiers.mlp import MLP
from keras_dlt.models.pretraining import GreedyPretraining

__all__ = ["StackedDenoisingAutoencoder"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class StackedDenoisingAutoencoder(GreedyPretraining, MLP):
    """The SdA tutorial: sigmoid hidden layers + logistic regression, pretrained greedily as dAs.

    A classifier exactly like `MLP(activation="sigmoid")` (same `fit`,
    `compile()` defaults with lr 0.1 for fine-tuning, `error` metric).
    `pretrain` trains each hidden `Dense` in place as a denoising
    autoencoder on the layer below's output, which is computed once per
    layer, not once per epoch.

    Args:
        hidden_layers_sizes: default `(1000, 1000, 1000)`.
        n_outs: classes. Default 10.
        corruption_levels: one per hidden layer. Default `(0.1, 0.2, 0.3)`.
        n_in: input size. Default 784.
        seed: seed of the initialisation and the corruption noise.

    Example:
        >>> sda = StackedDenoisingAutoencoder((500, 500), corruption_levels=(0.1, 0.2))
        >>> sda.pretrain(x_train, epochs=15, batch_size=1, learning_rate=0.001)
        >>> sda.compile()                      # fine-tuning: SGD lr 0.1
        >>> sda.fit(x_train, y_train, batch_size=1, epochs=36)
    """

    default_learning_rate = 0.1

    def __init__(self, hidden_layers_sizes=(1000, 1000, 1000), n_outs=10, corruption_levels=(0.1, 0.2, 0.3),
                 n_in=784, seed=None, **kwargs):
        hidden_layers_sizes = tuple(hidden_layers_sizes)
        corruption_levels = tuple(float(c) for c in corruption_levels)
        if len(corruption_levels) != len(hidden_layers_sizes):
            raise ValueError(
                f"StackedDenoisingAutoencoder: one corruption level per hidden layer. Received: "
                f"hidden_layers_sizes={hidden_layers_sizes}, corruption_levels={corruption_levels}"
            )
        for c in corruption_levels:
            if not 0.0 <= c < 1.0:
                raise ValueError(f"StackedDenoisingAutoencoder: corruption levels must be in [0, 1). Received: {c}")
        super().__init__(n_in=n_in, hidden_units=hidden_layers_sizes, n_out=n_outs, activation="sigmoid",
                         l1=0.0, l2=0.0, seed=seed, **kwargs)
        self.corruption_levels = corruption_levels

    pretraining_defaults = {"epochs": 15, "batch_size": 1, "learning_rate": 0.001}

    def pretraining_model(self, i):
        """The dA that trains hidden layer `i` in place (its own corruption level and noise seed)."""
        return DenoisingAutoencoder(encoder=self.hidden_layers[i], corruption_level=self.corruption_levels[i],
                                    seed=sub_seed(self.seed, 1000 + i), name=f"pretrain_{i}")

    def get_config(self):
        return {**super().get_config(), "corruption_levels": list(self.corruption_levels)}
