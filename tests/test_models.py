"""LogisticRegression, MLP, LeNet: defaults, shapes, losses, checks, .keras round trip."""

import keras
import numpy as np
import pytest

from keras_dlt.models import MLP, LeNet, LogisticRegression

MODELS = [LogisticRegression, MLP, LeNet]


def _small_lenet(**kw):
    return LeNet(nkerns=(4, 6), n_hidden=20, seed=0, **kw)


FACTORIES = {"LogisticRegression": LogisticRegression, "MLP": lambda: MLP(hidden_units=(32,), seed=0), "LeNet": _small_lenet}


@pytest.mark.parametrize("cls,lr", [(LogisticRegression, 0.13), (MLP, 0.01), (LeNet, 0.1)])
def test_no_argument_construction_is_the_tutorials(cls, lr, small):
    model = cls()
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(model.optimizer.learning_rate) == pytest.approx(lr)
    assert float(model.optimizer.momentum) == 0.0
    (x, _), _, _ = small
    p = model.predict(x[:5], verbose=0)
    assert p.shape == (5, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    counts = {LogisticRegression: 7850, MLP: 784 * 500 + 500 + 5010, LeNet: 520 + 25050 + 400500 + 5010}
    assert model.count_params() == counts[cls]


def test_tutorial_architecture_details():
    mlp = MLP()
    mlp.build((None, 784))
    assert [l.units for l in mlp.hidden_layers] == [500] and mlp.hidden_layers[0].activation is keras.activations.tanh
    assert not np.any(keras.ops.convert_to_numpy(mlp.classifier.kernel))  # logistic W starts at zero
    lenet = LeNet()
    lenet.build((None, 784))
    assert [l.filters for l in lenet.conv_layers] == [20, 50] and lenet.hidden.units == 500


@pytest.mark.parametrize("name", list(FACTORIES))
def test_accepts_flat_square_and_channel_images(name, small):
    (x, _), _, _ = small
    model = FACTORIES[name]()
    a = model.predict(x[:6], verbose=0)
    b = model.predict(x[:6].reshape(6, 28, 28), verbose=0)
    c = model.predict(x[:6].reshape(6, 28, 28, 1), verbose=0)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, c, atol=1e-6)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_wrong_shape_is_a_clear_error(name):
    model = FACTORIES[name]()
    with pytest.raises(ValueError, match=r"must have shape \[n, 784\] or \[n, 28, 28\] or \[n, 28, 28, 1\]. Received: shape=\(3, 30, 30\)"):
        model.predict(np.zeros((3, 30, 30), np.float32), verbose=0)
    with pytest.raises(ValueError, match=r"Received: shape=\(3, 783\)"):
        model(np.zeros((3, 783), np.float32))


@pytest.mark.parametrize("name", list(FACTORIES))
def test_fit_learns_and_reports_error(name, small):
    (x, y), _, _ = small
    model = FACTORIES[name]()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    hist = model.fit(x, y, batch_size=20, epochs=3, verbose=0)
    assert set(hist.history) == {"loss", "error"}
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["error"][-1] < hist.history["error"][0]
    # `error` is the zero-one error of the predictions.
    res = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert res["error"] == pytest.approx(np.mean(p.argmax(1) != y), abs=1e-6)


def test_loss_is_finite_when_a_probability_underflows():
    model = LogisticRegression()
    model.compile()
    model.build((None, 784))
    w = np.zeros((784, 10), np.float32)
    w[:, 0] = 1.0  # class 0 logit = sum(x) = 784 for an all-ones image; others 0
    model.classifier.set_weights([w, np.zeros(10, np.float32)])
    x = np.ones((2, 784), np.float32)
    y = np.array([3, 3])
    assert model.predict(x, verbose=0)[0, 3] == 0.0  # p(y=3|x) underflows to exactly 0
    loss = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    assert np.isfinite(loss) and loss == pytest.approx(784.0, rel=1e-4)  # -log softmax from logits


def test_mlp_l1_l2_terms_are_the_tutorials():
    model = MLP(hidden_units=(8, 6), l1=0.001, l2=0.01, seed=1)
    model.build((None, 784))
    model(np.zeros((1, 784), np.float32))
    kernels = [keras.ops.convert_to_numpy(l.kernel) for l in model.hidden_layers + [model.classifier]]
    kernels[-1] += 0.5  # make the logistic W nonzero so it counts
    model.classifier.kernel.assign(kernels[-1])
    model(np.zeros((1, 784), np.float32))
    expected = sum(0.001 * np.abs(k).sum() + 0.01 * (k ** 2).sum() for k in kernels)
    assert float(sum(keras.ops.convert_to_numpy(l) for l in model.losses)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_keras_round_trip_same_predictions(name, small, tmp_path):
    (x, y), _, _ = small
    model = FACTORIES[name]()
    model.compile()
    model.fit(x[:100], y[:100], batch_size=50, epochs=1, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model) and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(loaded.predict(x[:20], verbose=0), model.predict(x[:20], verbose=0), atol=1e-6)
    # The compile state travels too: training continues with the tutorial's SGD and metric.
    assert float(loaded.optimizer.learning_rate) == pytest.approx(float(model.optimizer.learning_rate))
    assert "error" in loaded.evaluate(x[:50], y[:50], verbose=0, return_dict=True)


def test_bad_labels_and_values_are_clear_errors(small):
    (x, y), _, _ = small
    model = LogisticRegression()
    model.compile()
    bad = y[:10].copy()
    bad[4] = 10
    with pytest.raises(ValueError, match=r"y must hold class labels in 0..9; found 10"):
        model.fit(x[:10], bad, verbose=0)
    xn = x[:10].copy()
    xn[2, 5] = np.nan
    with pytest.raises(ValueError, match="x holds 1 NaN or infinite values"):
        model.fit(xn, y[:10], verbose=0)
    with pytest.raises(ValueError, match="x has 10 examples but y has 9"):
        model.fit(x[:10], y[:9], verbose=0)
    with pytest.raises(ValueError, match="validation y must hold class labels"):
        model.fit(x[:10], y[:10], validation_data=(x[:10], bad - 20), verbose=0)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="hidden_units must be positive ints"):
        MLP(hidden_units=(0,))
    with pytest.raises(ValueError, match="too small"):
        LeNet(nkerns=(4, 4, 4))
    with pytest.raises(ValueError, match="n_out must be an int >= 2"):
        LogisticRegression(n_out=1)


def test_seed_makes_initialisation_repeatable():
    a, b = MLP(seed=7), MLP(seed=7)
    for m in (a, b):
        m.build((None, 784))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(a.hidden_layers[0].kernel),
                                  keras.ops.convert_to_numpy(b.hidden_layers[0].kernel))


def test_unseeded_models_train_under_xla_and_repeat_under_set_random_seed(small):
    """`seed=None` initializers draw from Python's seeded generator, so an unseeded model builds inside an
    XLA-compiled step (the speed policy's choice at batch <= 10) and `keras.utils.set_random_seed` repeats it."""
    (x, y), _, _ = small
    runs = []
    for seed in (3, 3, 4):
        keras.utils.set_random_seed(seed)
        model = MLP(hidden_units=(16,))
        model.compile(jit_compile=True)
        hist = model.fit(x[:40], y[:40], batch_size=10, epochs=1, shuffle=False, verbose=0)
        assert np.isfinite(hist.history["loss"][0])
        runs.append(model.get_weights()[0])
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])
    keras.utils.set_random_seed(5)
    a, b = MLP(hidden_units=(16, 16)), MLP(hidden_units=(16, 16))
    for m in (a, b):
        m.build((None, 784))
    for layer_a, layer_b in zip(a.hidden_layers, b.hidden_layers):  # two unseeded models draw two initialisations
        assert not np.allclose(keras.ops.convert_to_numpy(layer_a.kernel), keras.ops.convert_to_numpy(layer_b.kernel))


def test_xla_at_batch_1_agrees_with_the_plain_step_and_auto_picks_it(small):
    from keras_dlt.training.speed import jit_compile_for

    (x, y), _, _ = small
    x, y = x[:60], y[:60]
    weights = []
    for jit in (False, True):
        model = MLP(hidden_units=(16, 16), activation="sigmoid", seed=5)
        model.compile(steps_per_execution=20, jit_compile=jit)
        hist = model.fit(x, y, batch_size=1, epochs=2, shuffle=False, verbose=0)
        weights.append((hist.history["loss"], model.get_weights()))
    np.testing.assert_allclose(weights[0][0], weights[1][0], rtol=1e-4)
    for a, b in zip(weights[0][1], weights[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    assert jit_compile_for(MLP(), 1) and jit_compile_for(MLP(), 10) and not jit_compile_for(MLP(), 20)
    assert not jit_compile_for(LeNet(), 1) and not jit_compile_for(LogisticRegression(), 1)
    assert jit_compile_for(LeNet(), 500, "on") and not jit_compile_for(MLP(), 1, "off")


def _tutorial_lenet_hidden(x, seed, nkerns, n_hidden, image, f, p):
    """convolutional_mlp.py's initial network up to the hidden layer, in numpy and Theano's layouts:
    RandomState(seed) draws in the tutorial's order, true convolution, channel-major flatten."""
    from numpy.lib.stride_tricks import sliding_window_view

    rng = np.random.RandomState(seed)
    h, ch = x.reshape(-1, 1, *image).astype("float64"), 1
    for k in nkerns:
        bound = np.sqrt(6.0 / (ch * f * f + k * f * f // (p * p)))
        w = rng.uniform(low=-bound, high=bound, size=(k, ch, f, f)).astype("float32")
        conv = np.einsum("ncijab,kcab->nkij", sliding_window_view(h, (f, f), axis=(2, 3)), w[:, :, ::-1, ::-1])
        n, _, rows, cols = conv.shape
        conv = conv[:, :, : rows // p * p, : cols // p * p]  # max_pool_2d(ignore_border=True)
        h = np.tanh(conv.reshape(n, k, rows // p, p, cols // p, p).max(axis=(3, 5)))
        ch = k
    flat = h.reshape(len(h), -1)
    bound = np.sqrt(6.0 / (flat.shape[1] + n_hidden))
    return np.tanh(flat @ rng.uniform(low=-bound, high=bound, size=(flat.shape[1], n_hidden)).astype("float32"))


def test_lenet_init_as_tutorial_is_the_tutorials_initial_network():
    x = np.random.default_rng(0).random((5, 144)).astype("float32")
    model = LeNet(nkerns=(3, 4), filter_size=3, n_hidden=7, image_shape=(12, 12, 1)).init_as_tutorial(seed=7)
    h = model._as_images(x)
    for layer in model.conv_layers:
        h = layer(h)
    ours = keras.ops.convert_to_numpy(model.hidden(model.flatten(h)))
    np.testing.assert_allclose(ours, _tutorial_lenet_hidden(x, 7, (3, 4), 7, (12, 12), 3, 2), atol=1e-5)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.classifier.kernel), 0)
    # The tutorial's default network: its first filter values are RandomState(23455)'s first draws, flipped.
    lenet = LeNet().init_as_tutorial()
    first = np.random.RandomState(23455).uniform(-0.2, 0.2, size=(20, 1, 5, 5)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(lenet.conv_layers[0].kernel)[:, :, 0, 0],
                                  first[0, 0, ::-1, ::-1])
    assert not np.array_equal(first[0, 0], first[0, 0, ::-1, ::-1])
