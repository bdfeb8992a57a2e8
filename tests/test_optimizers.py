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


def _mlp_and_data(seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(240, 20)).astype("float32")
    return MLP(n_in=20, hidden_units=(9,), n_out=3, l2=0.01, seed=seed), x, rng.integers(0, 3, 240)


def test_the_l2_penalty_goes_into_the_update_and_trains_alike():
    """Under our SGD the penalty's gradient is the update's (one kernel), not autodiff's; the steps are the same."""
    from keras_dlt.regularizers import gradient_in_update

    model, x, y = _mlp_and_data()
    model.build((None, 20))
    optimizer = SGD(learning_rate=0.05)
    kernels = [layer.kernel for layer in (*model.hidden_layers, model.classifier)]
    assert optimizer.penalties_in_update(model.trainable_variables) == kernels  # the biases carry no penalty
    with tf.GradientTape(persistent=True) as tape:
        with gradient_in_update(kernels) as left_out:
            value = model.losses
            copy = kernels[0].regularizer(tf.identity(kernels[0].value))  # not the variable: keeps its gradient
    assert tape.gradient(value, kernels) == [None, None]  # the value only
    assert tape.gradient(copy, kernels[0]) is not None
    assert left_out == kernels  # what the optimizer may add, nothing more
    assert float(sum(value)) == pytest.approx(sum(0.01 * float(np.sum(np.square(k.numpy()))) for k in kernels))
    # a step: the optimizer adds 2 l2 W to the data's gradient (here zero) itself
    before = kernels[0].numpy().copy()
    optimizer.apply([tf.zeros_like(v) for v in model.trainable_variables], model.trainable_variables)
    np.testing.assert_allclose(kernels[0].numpy(), before * (1 - 0.05 * 0.02), rtol=1e-6)
    # and forgets it: the next update (no claim) is plain SGD
    optimizer.apply([tf.zeros_like(v) for v in model.trainable_variables], model.trainable_variables)
    np.testing.assert_allclose(kernels[0].numpy(), before * (1 - 0.05 * 0.02), rtol=1e-6)

    taken = []

    class Recording(SGD):
        def penalties_in_update(self, variables):
            taken.append(super().penalties_in_update(variables))
            return taken[-1]

    runs = []
    for cls in (Recording, keras.optimizers.SGD):
        model, x, y = _mlp_and_data()
        runs.append(_train(model, cls(learning_rate=0.05), x, y))
    assert taken and all(len(t) == 2 for t in taken)  # fit's training step handed both kernels' penalties over
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("kwargs", [{"momentum": 0.9}, {"clipnorm": 1.0}, {"weight_decay": 0.01}])
def test_nothing_is_taken_where_the_update_is_not_plain(kwargs):
    model, _, _ = _mlp_and_data()
    model.build((None, 20))
    assert SGD(learning_rate=0.05, **kwargs).penalties_in_update(model.trainable_variables) == []


def test_a_penalty_under_xla_and_under_adam_trains_as_keras_does():
    for optimizer, reference, jit in ((SGD(0.05), keras.optimizers.SGD(0.05), True),
                                     (keras.optimizers.Adam(0.01), keras.optimizers.Adam(0.01), False)):
        runs = []
        for opt in (optimizer, reference):
            model, x, y = _mlp_and_data(2)
            model.compile(optimizer=opt, steps_per_execution=4, jit_compile=jit)
            model.fit(x, y, batch_size=20, epochs=1, shuffle=False, verbose=0)
            runs.append(model.get_weights())
        for a, b in zip(*runs):
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
