"""The tutorials' plain SGD (`keras_dlt.optimizers.SGD`): Keras' SGD updates, one kernel each."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dlt.models import MLP, DenoisingAutoencoder
from keras_dlt.optimizers import SGD


def _train(model, optimizer, x, y=None, steps=12):
    model.compile(optimizer=optimizer, steps_per_execution=4)
    model.fit(x, y, batch_size=len(x) // steps, epochs=1, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"momentum": 0.5, "nesterov": True}])
def test_updates_equal_keras_sgd(kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(240, 20)).astype("float32")
    y = rng.integers(0, 3, 240)
    runs = []
    for cls in (SGD, keras.optimizers.SGD):
        keras.utils.set_random_seed(1)
        model = MLP(n_in=20, hidden_units=(9,), n_out=3, seed=1)
        runs.append(_train(model, cls(learning_rate=0.05, **kwargs), x, y))
    start = MLP(n_in=20, hidden_units=(9,), n_out=3, seed=1)
    start.build((None, 20))
    assert any(not np.allclose(a, b) for a, b in zip(runs[0], start.get_weights()))  # it trained
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_the_written_out_da_step_trains_alike():
    """The dA's hand-written gradients go through `optimizer.apply` too."""
    x = np.random.default_rng(2).uniform(size=(200, 16)).astype("float32")
    runs = []
    for cls in (SGD, keras.optimizers.SGD):
        model = DenoisingAutoencoder(n_hidden=6, corruption_level=0.3, seed=3)
        model.build((None, 16))
        runs.append(_train(model, cls(learning_rate=0.1), x, steps=10))
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_is_the_models_default_and_survives_a_keras_file(tmp_path):
    model = MLP(n_in=8, hidden_units=(4,), n_out=2, seed=0)
    model.compile()
    assert type(model.optimizer) is SGD and model.optimizer.momentum == 0
    x = np.random.default_rng(3).normal(size=(40, 8)).astype("float32")
    model.fit(x, np.arange(40) % 2, batch_size=10, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is SGD
    assert float(loaded.optimizer.learning_rate) == pytest.approx(model.default_learning_rate)


def test_a_float16_variable_keeps_its_dtype():
    v = keras.Variable(np.ones((3, 2), "float16"))
    opt = SGD(learning_rate=0.5)
    opt.apply([tf.fill((3, 2), tf.constant(0.25, tf.float16))], [v])
    assert v.dtype == "float16"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(v), np.full((3, 2), 0.875))
