"""The networks of Nielsen's chapter 6, with the settings and the accuracies he reports."""

from keras_dlt.core.random import sub_seed
from keras_dlt.presets import NETWORK3_PRESETS
from keras_dlt.layers.random_affine import RandomAffine
from keras_dlt.models.network3.layers import ConvPoolLayer, FullyConnectedLayer, ReLU, SoftmaxLayer, sigmoid
from keras_dlt.models.network3.network import Network

__all__ = ["PRESETS", "preset"]


PRESETS = NETWORK3_PRESETS
"""The chapter's networks by name: (description, SGD settings, Nielsen's test accuracy); `keras_dlt.presets`."""


def preset(name, mini_batch_size=10, seed=None, dropout_form="network3"):
    """The chapter's network called `name` (see `PRESETS`), unbuilt; its SGD settings are `PRESETS[name][1]`.

    `dropout_form` is given to the dropout presets' layers (see `FullyConnectedLayer`).
    """
    if name not in PRESETS:
        raise ValueError(f"network3 preset must be one of {sorted(PRESETS)}. Received: {name!r}")

    def s(i):  # each layer's seed (core.random.sub_seed), 10 apart
        return sub_seed(seed, 10 * i)

    mbs = mini_batch_size
    act = ReLU if name in ("relu", "expanded", "dropout", "ensemble") else sigmoid
    conv1 = ConvPoolLayer(image_shape=(mbs, 1, 28, 28), filter_shape=(20, 1, 5, 5), poolsize=(2, 2), activation_fn=act,
                          seed=s(1))
    conv2 = ConvPoolLayer(image_shape=(mbs, 20, 12, 12), filter_shape=(40, 20, 5, 5), poolsize=(2, 2),
                          activation_fn=act, seed=s(2))
    if name == "baseline":
        layers = [FullyConnectedLayer(784, 100, seed=s(1)), SoftmaxLayer(100, 10, seed=s(2))]
    elif name == "conv1":
        layers = [conv1, FullyConnectedLayer(20 * 12 * 12, 100, seed=s(2)), SoftmaxLayer(100, 10, seed=s(3))]
    elif name in ("conv2", "relu", "expanded"):
        layers = [conv1, conv2, FullyConnectedLayer(40 * 4 * 4, 100, activation_fn=act, seed=s(3)),
                  SoftmaxLayer(100, 10, seed=s(4))]
    else:
        drop = {"p_dropout": 0.5, "dropout_form": dropout_form}
        layers = [conv1, conv2, FullyConnectedLayer(40 * 4 * 4, 1000, activation_fn=ReLU, seed=s(3), **drop),
                  FullyConnectedLayer(1000, 1000, activation_fn=ReLU, seed=s(4), **drop),
                  SoftmaxLayer(1000, 10, seed=s(5), **drop)]
    expand = RandomAffine(image_shape=(28, 28, 1), seed=s(9)) if name in ("expanded", "dropout", "ensemble") else None
    return Network(layers, mini_batch_size=mbs, expand=expand, name=f"network3_{name}")
