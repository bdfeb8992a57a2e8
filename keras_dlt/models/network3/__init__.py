"""Nielsen's network3.py on Keras: his layer specs, `Network` with `SGD`, the chapter's networks as presets.

    net = Network([
        ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(20, 1, 5, 5), poolsize=(2, 2), activation_fn=ReLU),
        FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, activation_fn=ReLU),
        SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size=10)
    net.SGD(training_data, 60, 10, 0.03, validation_data, test_data, lmbda=0.1)

What differs from network3, and why: `keras_dlt.models.network3.layers`.
"""

from keras_dlt.models.network3.layers import (ConvPoolLayer, FullyConnectedLayer, ReLU, SoftmaxLayer, linear, sigmoid,
                                              tanh)
from keras_dlt.models.network3.log import Network3Log
from keras_dlt.models.network3.network import Network, ensemble_accuracy
from keras_dlt.models.network3.presets import PRESETS, preset

__all__ = ["Network", "FullyConnectedLayer", "ConvPoolLayer", "SoftmaxLayer", "ReLU", "sigmoid", "tanh", "linear",
           "ensemble_accuracy", "Network3Log", "PRESETS", "preset"]
