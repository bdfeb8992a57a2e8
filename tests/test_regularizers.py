"""The tutorials' L1/L2 penalty (`keras_dlt.regularizers.L1L2`): Keras' numbers, by a cheaper computation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dlt.models import MLP, LogisticRegression
from keras_dlt.regularizers import L1L2


def _weights(dtype="float32", seed=0):
    return tf.Variable(np.random.default_rng(seed).normal(size=(37, 11)).astype(dtype))


@pytest.mark.parametrize("l1, l2", [(0.0, 1e-4), (1e-3, 0.0), (2e-3, 5e-2)])
def test_value_and_gradient_are_keras_l1l2s(l1, l2):
    w = _weights()
    ours, keras_reg = L1L2(l1=l1, l2=l2), keras.regularizers.L1L2(l1=l1, l2=l2)
    with tf.GradientTape(persistent=True) as tape:
        a, b = ours(w), keras_reg(w)
    np.testing.assert_allclose(float(a), float(b), rtol=1e-6)
    w_np = w.numpy()
    expected = l1 * np.sum(np.abs(w_np)) + l2 * np.sum(w_np.astype("float64") ** 2)
    np.testing.assert_allclose(float(a), expected, rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(a, w).numpy(), l1 * np.sign(w_np) + 2 * l2 * w_np, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tape.gradient(a, w).numpy(), tape.gradient(b, w).numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_other_float_dtypes_keep_their_dtype(dtype):
    w = tf.Variable(np.random.default_rng(1).normal(size=(8, 5)), dtype=dtype)
    value = L1L2(l2=0.1)(w)
    assert value.dtype == w.dtype
    np.testing.assert_allclose(float(value), 0.1 * float(tf.reduce_sum(tf.square(tf.cast(w, "float64")))), rtol=2e-2)


def test_serialises_and_a_reloaded_mlp_keeps_it(tmp_path):
    reg = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(L1L2(l1=0.5, l2=0.25)))
    assert isinstance(reg, L1L2) and (reg.l1, reg.l2) == (0.5, 0.25)
    model = MLP(n_in=12, hidden_units=(7,), n_out=3, l1=1e-3, l2=1e-2, seed=0)
    model.build((None, 12))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.hidden_layers[0].kernel_regularizer, L1L2)
    np.testing.assert_allclose(float(sum(loaded.losses)), float(sum(model.losses)), rtol=1e-6)


@pytest.mark.parametrize("cls, kwargs", [(MLP, {"hidden_units": (16,), "l1": 1e-3, "l2": 1e-2}),
                                         (LogisticRegression, {"l2": 1e-2})])
def test_training_follows_keras_own_penalty(cls, kwargs):
    """30 SGD steps with the tutorial's penalty land where Keras' own `L1L2` lands (float32 rounding apart)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 20)).astype("float32")
    y = rng.integers(0, 4, 300)
    runs = []
    for keras_own in (False, True):
        model = cls(n_in=20, n_out=4, **kwargs)
        model.build((None, 20))
        if keras_own:
            for layer in [*getattr(model, "hidden_layers", []), model.classifier]:
                reg = layer.kernel_regularizer
                layer.kernel_regularizer = keras.regularizers.L1L2(l1=reg.l1, l2=reg.l2)
                layer.kernel.regularizer = layer.kernel_regularizer
            assert type(model.classifier.kernel.regularizer) is keras.regularizers.L1L2
        else:
            assert isinstance(model.classifier.kernel_regularizer, L1L2)
        model.set_weights([np.random.default_rng(i).normal(0, 0.3, w.shape).astype("float32")
                           for i, w in enumerate(model.get_weights())])
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        history = model.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0)
        runs.append((history.history["loss"][0], model.get_weights()))
    (loss_ours, w_ours), (loss_keras, w_keras) = runs
    assert loss_ours == pytest.approx(loss_keras, rel=1e-5)
    for a, b in zip(w_ours, w_keras):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
