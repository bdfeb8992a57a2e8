"""network3: Nielsen's layer specs, SGD, L2, dropout, expansion, presets (issue 7)."""

import keras
import numpy as np
import pytest

from keras_dlt.layers import RandomAffine
from keras_dlt.training import RunBackup, train_network3
from keras_dlt.models.network3 import (PRESETS, ConvPoolLayer, FullyConnectedLayer, Network, ReLU, SoftmaxLayer,
                                       ensemble_accuracy, linear, preset, sigmoid, tanh)


def small_conv_net(**kwargs):
    return Network([
        ConvPoolLayer(image_shape=(10, 1, 28, 28), filter_shape=(4, 1, 5, 5), poolsize=(2, 2), activation_fn=ReLU, seed=1),
        ConvPoolLayer(image_shape=(10, 4, 12, 12), filter_shape=(6, 4, 5, 5), poolsize=(2, 2), activation_fn=tanh, seed=2),
        FullyConnectedLayer(n_in=6 * 4 * 4, n_out=20, activation_fn=sigmoid, p_dropout=0.5, seed=3),
        SoftmaxLayer(n_in=20, n_out=10, p_dropout=0.2, seed=4)], mini_batch_size=10, **kwargs)


def test_l2_term_is_nielsens_formula_and_enters_the_training_loss(small):
    (x, y), _, _ = small
    net = small_conv_net()
    net.build((None, 784))
    ws = [net.net_layers[0].conv.kernel, net.net_layers[1].conv.kernel, net.net_layers[2].w, net.net_layers[3].w]
    net.net_layers[3].w.assign(np.random.default_rng(0).normal(size=(20, 10)).astype("float32"))
    expected = 0.5 * 0.7 * sum(float(np.sum(np.square(w.numpy()))) for w in ws) / 40
    assert float(net.l2_term(0.7, 40)) == pytest.approx(expected, rel=1e-5)
    # SGD attaches it as Keras L2 regularizers: the model's losses sum to the same number.
    net.SGD((x, y), 1, 10, 0.0001, lmbda=0.7, verbose=0, shuffle=False)  # 400 / 10 = 40 batches
    ws_now = [w.numpy() for w in ws]
    expected = 0.5 * 0.7 * sum(float(np.sum(np.square(w))) for w in ws_now) / 40
    assert float(sum(net.losses)) == pytest.approx(expected, rel=1e-5)
    assert all(w.regularizer is not None for w in ws)
    assert net.net_layers[2].b.regularizer is None  # biases are not decayed


def test_nielsens_initialisation():
    fc = FullyConnectedLayer(400, 1000, seed=0)
    fc.build((None, 400))
    assert fc.w.numpy().std() == pytest.approx(np.sqrt(1 / 1000), rel=0.05)
    assert fc.b.numpy().std() == pytest.approx(1.0, rel=0.1)
    sm = SoftmaxLayer(1000, 10)
    sm.build((None, 1000))
    assert not np.any(sm.w.numpy()) and not np.any(sm.b.numpy())
    conv = ConvPoolLayer(filter_shape=(20, 1, 5, 5), image_shape=(10, 1, 28, 28), seed=0)
    conv.build((None, 784))
    assert conv.conv.kernel.numpy().std() == pytest.approx(np.sqrt(4 / (20 * 25)), rel=0.1)


def test_dropout_only_while_training(small):
    (x, _), _, _ = small
    net = small_conv_net()
    net.build((None, 784))
    net.net_layers[3].w.assign(np.random.default_rng(0).normal(size=(20, 10)).astype("float32"))  # not all zeros
    a, b = net(x[:20], training=False), net(x[:20], training=False)
    np.testing.assert_array_equal(a, b)
    c = net(x[:20], training=True)
    assert not np.allclose(a, c)
    # predict is inference too (no dropout: that would move outputs by far more); its compiled graph may
    # round differently from the eager call on some CPUs, hence a tolerance of float32 rounding.
    np.testing.assert_allclose(net.predict(x[:20], verbose=0), a, rtol=1e-5, atol=1e-7)


def identity_layer(**kwargs):
    """A linear 200 -> 200 FullyConnectedLayer with w = I and b = 0, so its output shows what reaches w."""
    fc = FullyConnectedLayer(n_in=200, n_out=200, activation_fn=linear, seed=7, **kwargs)
    fc.build((None, 200))
    fc.w.assign(np.eye(200, dtype="float32"))
    fc.b.assign(np.zeros(200, dtype="float32"))
    return fc


def test_dropout_trains_network3s_parametrisation():
    """w multiplies the masked inputs unscaled while training and is scaled by (1-p) at inference, as in
    network3, and its gradient is network3's: plain inverted dropout would give 2 m and 2 m here (p=0.5)."""
    import tensorflow as tf

    fc = identity_layer(p_dropout=0.5)
    x = tf.ones((1, 200))
    with tf.GradientTape() as tape:
        z = fc(x, training=True)
        total = tf.reduce_sum(z)
    mask = z.numpy()[0]
    assert set(np.unique(mask)) == {0.0, 1.0}  # (mask * x) w: kept inputs pass at weight 1, not 1/(1-p)
    assert 60 < mask.sum() < 140
    np.testing.assert_array_equal(np.diag(tape.gradient(total, fc.w).numpy()), mask)  # d/dw of (mask * x) w
    np.testing.assert_array_equal(fc(x, training=False).numpy()[0], np.full(200, 0.5, "float32"))  # (1-p) x w
    np.testing.assert_array_equal(identity_layer()(x, training=True).numpy()[0], np.ones(200, "float32"))  # p=0: x w
    inverted = identity_layer(p_dropout=0.5, dropout_form="inverted")
    assert set(np.unique(inverted(x, training=True).numpy())) == {0.0, 2.0}  # Keras' inverted dropout alone
    np.testing.assert_array_equal(inverted(x, training=False).numpy()[0], np.ones(200, "float32"))


def test_dropout_form_round_trips_and_older_configs_load_as_they_were_trained():
    fc = FullyConnectedLayer(20, 10, p_dropout=0.5)
    assert FullyConnectedLayer.from_config(fc.get_config()).dropout_form == "network3"
    sm = SoftmaxLayer(20, 10, p_dropout=0.5, dropout_form="inverted")
    assert SoftmaxLayer.from_config(sm.get_config()).dropout_form == "inverted"
    old = {k: v for k, v in fc.get_config().items() if k != "dropout_form"}  # saved before the option
    assert FullyConnectedLayer.from_config(old).dropout_form == "inverted"
    with pytest.raises(ValueError, match='dropout_form must be "network3" or "inverted"'):
        FullyConnectedLayer(20, 10, dropout_form="nielsen")


def test_expansion_changes_images_keeps_shapes_labels_and_is_seeded(small):
    (x, y), _, _ = small
    out = [RandomAffine(image_shape=(28, 28, 1), seed=5)(x[:50], training=True) for _ in range(2)]
    np.testing.assert_array_equal(out[0], out[1])  # same seed, same images
    assert out[0].shape == x[:50].shape
    moved = np.abs(np.asarray(out[0]) - x[:50]).mean(axis=1)
    assert np.all(moved > 0.01)  # every image changed
    other = RandomAffine(image_shape=(28, 28, 1), seed=6)(x[:50], training=True)
    assert not np.allclose(out[0], other)
    np.testing.assert_array_equal(RandomAffine(image_shape=(28, 28, 1))(x[:5], training=False), x[:5])
    # Mass is kept roughly in place: small maps, not scrambles.
    assert np.abs(np.asarray(out[0]).sum(1) / x[:50].sum(1) - 1).max() < 0.3
    # In the network it applies only to training batches: labels are untouched (fit sees y as given).
    net = Network([FullyConnectedLayer(784, 30, seed=0), SoftmaxLayer(30, 10)], expand=True)
    p_eval = net(x[:10], training=False)
    np.testing.assert_array_equal(p_eval, net(x[:10], training=False))
    assert isinstance(net.expand, RandomAffine)


def test_learning_rate_schedule_is_applied_per_epoch(small):
    (x, y), (xv, yv), _ = small
    net = Network([FullyConnectedLayer(784, 30, seed=0), SoftmaxLayer(30, 10)])
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    net.SGD((x, y), 3, 10, lambda epoch: 0.1 / (1 + epoch), (xv, yv), callbacks=[Record()], verbose=0)
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_save_load_same_predictions(small, tmp_path):
    (x, y), _, _ = small
    net = small_conv_net(expand=True)
    net.SGD((x, y), 1, 10, 0.03, verbose=0)
    net.save(tmp_path / "n3.keras")
    loaded = keras.saving.load_model(tmp_path / "n3.keras")
    np.testing.assert_allclose(loaded.predict(x[:50], verbose=0), net.predict(x[:50], verbose=0), rtol=1e-5, atol=1e-6)
    assert isinstance(loaded.expand, RandomAffine) and loaded.net_layers[2].p_dropout == 0.5


def test_short_run_on_the_bundled_sample_learns(sample, capsys):
    (x, y), (xv, yv), (xt, yt) = sample
    keras.utils.set_random_seed(0)
    net = preset("conv1", seed=0)
    before = net.accuracy((xt, yt))
    history = net.SGD((x[:3000], y[:3000]), 2, 10, 0.1, (xv, yv), (xt, yt), verbose=2, monitor_training=True)
    out = capsys.readouterr().out
    assert "Epoch 0: validation accuracy" in out and "The corresponding test accuracy is" in out
    assert "Best validation accuracy of" in out
    after = net.accuracy((xt, yt))
    assert before < 0.2 and after > 0.5, (before, after)  # chance -> most digits right (sigmoid nets start slowly)
    assert net.best_validation_accuracy == max(history.history["val_accuracy"])
    assert len(history.history["train_accuracy"]) == 2 and len(history.history["train_cost"]) == 2


def test_ensemble_votes(small):
    (x, y), _, (xt, yt) = small
    nets = []
    for seed in range(3):
        keras.utils.set_random_seed(seed)
        net = Network([FullyConnectedLayer(784, 30, seed=seed), SoftmaxLayer(30, 10)])
        net.SGD((x, y), 2, 10, 0.5, verbose=0)
        nets.append(net)
    acc = ensemble_accuracy(nets, (xt, yt))
    votes = np.stack([np.argmax(n.predict(xt, verbose=0), 1) for n in nets])
    majority = [np.bincount(v, minlength=10).argmax() for v in votes.T]
    assert acc == pytest.approx(np.mean(np.array(majority) == yt))


def test_presets_build_and_chain():
    for name in PRESETS:
        net = preset(name)
        net.build((None, 784))
        assert net.net_layers[-1].n_out == 10
    assert preset("dropout").expand is not None and preset("relu").expand is None


def test_bad_input_clear_errors(small):
    (x, y), _, _ = small
    with pytest.raises(ValueError, match=r"p_dropout must be in \[0, 1\)"):
        FullyConnectedLayer(10, 10, p_dropout=1.0)
    with pytest.raises(ValueError, match=r"p_dropout must be in \[0, 1\)"):
        SoftmaxLayer(10, 10, p_dropout=-0.1)
    with pytest.raises(ValueError, match=r"layer 1 \(FullyConnectedLayer\) expects 500 inputs, but layer 0 "
                                         r"\(ConvPoolLayer\) gives 20 maps of 12x12 = 2880 values"):
        Network([ConvPoolLayer(filter_shape=(20, 1, 5, 5), image_shape=(10, 1, 28, 28)),
                 FullyConnectedLayer(500, 100), SoftmaxLayer(100, 10)])
    with pytest.raises(ValueError, match=r"layer 1 \(ConvPoolLayer\) expects image_shape \(10, 12, 12\)"):
        Network([ConvPoolLayer(filter_shape=(20, 1, 5, 5), image_shape=(10, 1, 28, 28)),
                 ConvPoolLayer(filter_shape=(40, 10, 5, 5), image_shape=(10, 10, 12, 12)),
                 FullyConnectedLayer(640, 100), SoftmaxLayer(100, 10)])
    with pytest.raises(ValueError, match="last layer must be a SoftmaxLayer"):
        Network([FullyConnectedLayer(784, 10)])
    with pytest.raises(ValueError, match="activation_fn must be one of"):
        FullyConnectedLayer(10, 10, activation_fn=np.exp)
    net = Network([FullyConnectedLayer(784, 10, activation_fn=linear), SoftmaxLayer(10, 10)])
    for eta in (0, -0.1):
        with pytest.raises(ValueError, match="eta must be > 0"):
            net.SGD((x, y), 1, 10, eta, verbose=0)
    with pytest.raises(ValueError, match="class labels in 0..9"):
        net.SGD((x, y + 10), 1, 10, 0.1, verbose=0)
    with pytest.raises(ValueError, match="shape"):
        net.accuracy((x[:, :100], y))


def test_early_stopping_with_the_foundations_patience_rule(small):
    from keras_dlt.callbacks import PatienceEarlyStopping

    (x, y), (xv, yv), (xt, yt) = small
    net = Network([FullyConnectedLayer(784, 30, seed=0), SoftmaxLayer(30, 10)])
    stop = PatienceEarlyStopping(patience=40, validation_data=(xv, yv), test_data=(xt, yt), verbose=0)
    history = net.SGD((x, y), 50, 10, 0.5, (xv, yv), callbacks=[stop], verbose=0)
    assert len(history.history["loss"]) < 50  # patience (40 mini-batches, grown on improvement) ran out
    assert stop.best_validation_error == pytest.approx(1 - net.accuracy((xv, yv)), abs=1e-6)  # best weights back


def test_sgd_killed_mid_way_resumes_from_its_backup(small, tmp_path):
    """train_network3(backup=...) crashed at epoch 2, then called again on a new network: all epochs in the history, the
    best accuracies and the learning-rate schedule carried on, the same weights as one uninterrupted run."""
    (x, y), (xv, yv), (xt, yt) = small

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("killed")

    def run(backup, seed, crash=False):
        keras.utils.set_random_seed(seed)
        net = Network([FullyConnectedLayer(784, 30, seed=seed), SoftmaxLayer(30, 10)])
        fit = keras.Model.fit

        def fit_with_crash(model, *args, callbacks=None, **kwargs):
            return fit(model, *args, callbacks=list(callbacks or []) + [Crash()], **kwargs)

        keras.Model.fit = fit_with_crash if crash else fit
        try:
            net, run = train_network3(net, (x, y), (xv, yv), (xt, yt), epochs=4, mini_batch_size=10,
                                      eta=lambda epoch: 0.2 / (1 + epoch), lmbda=0.0, verbose=0, shuffle=False,
                                      backup=RunBackup(str(backup), config={"eta": "0.2 / (1 + epoch)"}))
        finally:
            keras.Model.fit = fit
        return net, run

    whole, h_whole = run(tmp_path / "a", seed=0)
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "b", seed=0, crash=True)
    resumed, h_resumed = run(tmp_path / "b", seed=5)  # another network: the backup's weights must win
    assert len(h_resumed.history["val_accuracy"]) == 4
    for key in ("val_accuracy", "loss"):
        np.testing.assert_allclose(h_resumed.history[key], h_whole.history[key], rtol=1e-5)
    assert (resumed.best_validation_accuracy, resumed.best_test_accuracy, resumed.best_epoch) == \
        (whole.best_validation_accuracy, whole.best_test_accuracy, whole.best_epoch)
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_preset_passes_dropout_form_to_its_dropout_layers():
    for form in ("network3", "inverted"):
        layers = [layer for layer in preset("dropout", seed=0, dropout_form=form).net_layers
                  if isinstance(layer, FullyConnectedLayer)]
        assert len(layers) == 3 and all(layer.p_dropout == 0.5 and layer.dropout_form == form for layer in layers)
    with pytest.raises(ValueError, match="Received: 'nielsen'"):
        preset("dropout", dropout_form="nielsen")
