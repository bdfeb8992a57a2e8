"""The dense classifiers' written-out training step gives autodiff's step, and stands aside where it does not apply."""

import keras
import numpy as np
import pytest

import keras_dlt.models.classifiers.base as base
from keras_dlt.models import DBN, MLP, LeNet, LogisticRegression, StackedDenoisingAutoencoder
from keras_dlt.models.classifiers.written_step import dense_stack


@pytest.fixture
def data(small):
    (x, y), _, _ = small  # real digits (the bundled sample)
    return x[:60], y[:60]


@pytest.fixture
def written_calls(monkeypatch):
    """Per trace of the training step: the written path (True) or Keras' (False).

    A model first built inside the step is built by Keras' step (its first trace, which TensorFlow runs once, as
    it creates the variables); the trace it runs from then on is the last one.
    """
    calls = []

    def spy(model, data):
        result = original(model, data)
        calls.append(result is not None)
        return result

    original = base.written_step
    monkeypatch.setattr(base, "written_step", spy)
    return calls


def train(make, x, y, written, epochs=3, **compile_kwargs):
    keras.utils.set_random_seed(0)
    model = make()
    model.written_gradients = written
    model.compile(**compile_kwargs)
    history = model.fit(x, y, batch_size=20, epochs=epochs, shuffle=False, verbose=0)
    return model, history.history


MODELS = {
    "logistic": lambda: LogisticRegression(),
    "mlp_tanh_l1_l2": lambda: MLP(hidden_units=(30,), l1=1e-3, l2=1e-3, seed=1),
    "mlp_sigmoid_two_layers": lambda: MLP(hidden_units=(30, 20), activation="sigmoid", l2=0.0, seed=1),
    "mlp_relu": lambda: MLP(hidden_units=(30,), activation="relu", seed=1),
    "dbn": lambda: DBN((30, 20), seed=1),
    "sda": lambda: StackedDenoisingAutoencoder((30, 20), corruption_levels=(0.1, 0.2), seed=1),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_the_written_step_equals_autodiff(name, data, written_calls):
    x, y = data
    lr = {"optimizer": keras.optimizers.SGD(0.1)}  # 9 steps: a wrong gradient shows in the weights
    written, h_written = train(MODELS[name], x, y, True, **lr)
    assert written_calls and written_calls[-1], "the written step was not taken"
    lr = {"optimizer": keras.optimizers.SGD(0.1)}
    autodiff, h_autodiff = train(MODELS[name], x, y, False, **lr)
    np.testing.assert_allclose(h_written["loss"], h_autodiff["loss"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h_written["error"], h_autodiff["error"])
    for a, b in zip(written.get_weights(), autodiff.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)
    assert h_written["loss"][-1] < h_written["loss"][0]  # and it learns


def test_any_optimizer_takes_the_written_gradients(data, written_calls):
    x, y = data
    make = MODELS["mlp_tanh_l1_l2"]
    _, h_written = train(make, x, y, True, optimizer=keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True))
    assert written_calls[-1]
    _, h_autodiff = train(make, x, y, False, optimizer=keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True))
    np.testing.assert_allclose(h_written["loss"], h_autodiff["loss"], rtol=1e-5, atol=1e-5)


def test_keras_step_where_the_written_one_does_not_apply(data, written_calls):
    x, y = data
    # Another loss: Keras' step computes it.
    train(MODELS["mlp_relu"], x, y, True, epochs=1,
          loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=3))
    assert written_calls and not any(written_calls)
    written_calls.clear()
    # Sample weights.
    keras.utils.set_random_seed(0)
    model = MLP(hidden_units=(30,), seed=1)
    model.compile()
    model.fit(x, y, sample_weight=np.linspace(0.1, 1, len(x)), batch_size=20, epochs=1, verbose=0)
    assert written_calls and not any(written_calls)
    # Convolutional layers, a frozen layer, an unknown activation: not a dense stack.
    lenet = LeNet(nkerns=(2, 3), n_hidden=10)
    lenet.build((None, 784))
    assert dense_stack(lenet) is None
    frozen = MLP(hidden_units=(30,))
    frozen.build((None, 784))
    assert dense_stack(frozen) is not None
    frozen.hidden_layers[0].trainable = False
    assert dense_stack(frozen) is None
    softsign = MLP(hidden_units=(30,), activation="softsign")
    softsign.build((None, 784))
    assert dense_stack(softsign) is None


def test_a_reloaded_model_keeps_the_written_step(data, written_calls, tmp_path):
    x, y = data
    model, _ = train(MODELS["mlp_tanh_l1_l2"], x, y, True, epochs=1)
    model.save(tmp_path / "m.keras")
    written_calls.clear()
    loaded = keras.models.load_model(tmp_path / "m.keras")
    loaded.fit(x, y, batch_size=20, epochs=1, verbose=0)
    assert written_calls and written_calls[-1]


def test_mixed_precision_takes_keras_step(data, written_calls):
    x, y = data
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        train(MODELS["mlp_relu"], x, y, True, epochs=1)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert written_calls and not any(written_calls)
