"""`.keras` files saved by an earlier main (f8ac23a, before the architecture change) load and give the same outputs.

The files in tests/data/saved_by_f8ac23a were written by its `make.py` with the package at f8ac23a.
"""

import os

import keras
import numpy as np
import pytest

import keras_dlt.models  # noqa: F401  (registers the classes)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "saved_by_f8ac23a")
OUTPUTS = np.load(os.path.join(HERE, "outputs.npz"))
X, SEQ = OUTPUTS["x"], OUTPUTS["seq"]


def _output(name, model):
    if name == "dA":
        return model.reconstruct(X)
    if name == "RBM":
        return model.free_energy(X)
    if name == "RnnRbm":
        return model.recurrence(SEQ)[0]
    if name == "GaussianBernoulliRBM":
        return model.free_energy(X[:, :2])
    return model.predict(X, verbose=0)


@pytest.mark.parametrize("name", ["mlp", "lenet", "logistic", "sda", "dbn", "network3", "dA", "RBM", "RnnRbm",
                                  "GaussianBernoulliRBM"])
def test_old_keras_file_loads_and_predicts_the_same(name):
    model = keras.models.load_model(os.path.join(HERE, f"{name}.keras"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(_output(name, model)), OUTPUTS[name], rtol=1e-6, atol=1e-6)
