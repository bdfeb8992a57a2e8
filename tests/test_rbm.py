"""RBM layer and model, AIS, DBN (issue 4)."""

import itertools
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import call_saved_model

from keras_dlt.layers import RBMLayer
from keras_dlt.models import DBN, RBM
from keras_dlt.models.boltzmann import binarize
from keras_dlt.training import RunBackup, pretrain_stack
from keras_dlt.samplers import ais_betas, rbm_log_partition_ais, rbm_log_partition_exact


def states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)), "float32")


def tiny_layer(rng, n_visible=5, n_hidden=4, scale=1.0, seed=0):
    layer = RBMLayer(n_hidden, seed=seed)
    layer.build((None, n_visible))
    layer.dense.kernel.assign(rng.normal(0, scale, (n_visible, n_hidden)).astype("float32"))
    layer.dense.bias.assign(rng.normal(0, scale, n_hidden).astype("float32"))
    layer.visible_bias.assign(rng.normal(0, scale, n_visible).astype("float32"))
    return layer


def weights(layer):
    return [keras.ops.convert_to_numpy(w).astype("float64") for w in (layer.kernel, layer.visible_bias, layer.hidden_bias)]


def test_layer_checklist(tmp_path, rng):
    layer = RBMLayer(16, seed=0)
    v = rng.uniform(size=(5, 30)).astype("float32")
    h = keras.ops.convert_to_numpy(layer(v))
    assert h.shape == (5, 16) and np.all((h > 0) & (h < 1))
    assert sorted(tuple(w.shape) for w in layer.trainable_weights) == [(16,), (30,), (30, 16)]
    assert RBMLayer.from_config(layer.get_config()).get_config()["units"] == 16
    model = keras.Sequential([keras.Input((30,)), layer])
    model.save(tmp_path / "rbm.keras")
    loaded = keras.saving.load_model(tmp_path / "rbm.keras")
    np.testing.assert_allclose(loaded.predict(v, verbose=0), model.predict(v, verbose=0), atol=1e-6)


def test_free_energy_is_the_brute_force_sum_over_hidden_states(rng):
    layer = tiny_layer(rng)
    w, b, c = weights(layer)
    v = states(5)
    hs = states(4).astype("float64")
    # F(v) = -log sum_h exp(-E(v, h)), E = -b.v - c.h - v W h
    brute = np.array([-np.log(np.sum(np.exp(vi @ b + hs @ c + hs @ (vi @ w)))) for vi in v.astype("float64")])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.free_energy(v)), brute, rtol=1e-5, atol=1e-5)


def test_conditionals_match_their_definitions(rng):
    layer = tiny_layer(rng)
    w, b, c = weights(layer)
    v = states(5)
    hs = states(4).astype("float64")
    # p(h_j = 1 | v) from the joint, by enumeration over h.
    for vi in v.astype("float64")[::7]:
        p = np.exp(hs @ c + hs @ (vi @ w))
        p /= p.sum()
        np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.propup(vi[None].astype("float32"))[1])[0],
                                   p @ hs, atol=1e-5)
    h = hs[5:6].astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.propdown(h)[1])[0],
                               1 / (1 + np.exp(-(w @ h[0] + b))), atol=1e-5)
    # Samples are 0/1 with the right frequencies.
    means, samples = layer.sample_h_given_v(np.repeat(v[3:4], 20000, axis=0))
    samples = keras.ops.convert_to_numpy(samples)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_allclose(samples.mean(0), keras.ops.convert_to_numpy(means)[0], atol=0.015)


def test_gibbs_sampling_reproduces_the_exact_marginal(rng):
    layer = tiny_layer(rng, n_visible=4, n_hidden=3, scale=1.0)
    w, b, c = weights(layer)
    v = states(4)
    exact = np.exp(-keras.ops.convert_to_numpy(layer.free_energy(v)).astype("float64"))
    exact /= exact.sum()
    n = 20000
    end = layer.gibbs(tf.zeros((n, 3)), k=50, seed=tf.constant([1, 2]))
    codes = keras.ops.convert_to_numpy(end["v"]) @ (2.0 ** np.arange(3, -1, -1))
    freq = np.bincount(codes.astype(int), minlength=16) / n
    tv = 0.5 * np.abs(freq - exact).sum()
    assert tv < 0.03, (tv, freq, exact)


def test_a_one_step_chain_is_written_out_with_the_loops_numbers(rng):
    """CD-1's chain is the step itself, no while loop; it gives what the loop gives (k as a tensor): the same samples,
    the same means up to float rounding (written out, TensorFlow may fold the transpose into the matmul)."""
    from keras_dlt.models.boltzmann.math import gibbs_chain

    kernel = tf.constant(rng.normal(size=(30, 12)).astype("float32"))
    bv, bh = tf.constant(rng.normal(size=30).astype("float32")), tf.constant(rng.normal(size=12).astype("float32"))
    h0 = tf.constant((rng.random((7, 12)) < 0.5).astype("float32"))
    seed = tf.constant([3, 4], tf.int32)

    def chain(k):
        return tf.function(lambda: gibbs_chain(h0, k, kernel, bv, bh, seed))

    written, looped = chain(1), chain(tf.constant(1))
    ops_of = lambda f: {op.type for op in f.get_concrete_function().graph.get_operations()}  # noqa: E731
    assert not ops_of(written) & {"While", "StatelessWhile"}
    assert ops_of(looped) & {"While", "StatelessWhile"}
    a, b = written(), looped()
    for key in ("v", "h"):
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy(), err_msg=key)
    for key in ("v_logits", "v_mean", "h_mean"):
        np.testing.assert_allclose(a[key].numpy(), b[key].numpy(), rtol=1e-6, atol=1e-6, err_msg=key)


def test_cd_update_is_the_gradient_of_the_free_energy_gap(rng):
    # A fixed chain end: the update must equal -lr * d/dθ [mean F(v) - mean F(v_model)].
    model = RBM(n_hidden=6, k=1, persistent=False, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(1.0), run_eagerly=True)
    v = rng.uniform(size=(8, 10)).astype("float32")
    model.build(v.shape)
    v_model = (rng.uniform(size=(8, 10)) < 0.5).astype("float32")
    rbm = model.rbm

    def fixed_chain(v_, h_data=None):
        return {"v": tf.constant(v_model), "h_mean": rbm.propup(v_model)[1], "h": rbm.propup(v_model)[1],
                "v_logits": rbm.propdown(rbm.propup(v_model)[1])[0]}

    model.negative_phase = fixed_chain
    variables = [rbm.kernel, rbm.hidden_bias, rbm.visible_bias]
    before = [keras.ops.convert_to_numpy(x) for x in variables]
    with tf.GradientTape() as tape:
        gap = model.free_energy_gap(tf.constant(v), tf.constant(v_model))
    expected = tape.gradient(gap, variables)
    # The same as the analytic statistics: <v h>_model - <v h>_data.
    w, b, c = weights(rbm)
    analytic = v_model.T @ (1 / (1 + np.exp(-(v_model @ w + c)))) / 8 - v.T @ (1 / (1 + np.exp(-(v @ w + c)))) / 8
    np.testing.assert_allclose(expected[0].numpy(), analytic, atol=1e-5)
    model.optimizer.build(model.trainable_variables)
    model.train_step(tf.constant(v))
    for x0, var, g in zip(before, variables, expected):
        np.testing.assert_allclose(x0 - keras.ops.convert_to_numpy(var), g.numpy(), atol=1e-5)


def test_pcd_chain_persists_across_steps_and_save_load(sample, tmp_path):
    (x, _), _, _ = sample
    model = RBM(n_hidden=12, k=2, persistent=True, seed=3, n_chains=10)
    model.compile(run_eagerly=True)
    seen = []
    gibbs = model.rbm.gibbs

    def spy(h0, k, seed=None):
        end = gibbs(h0, k, seed)
        seen.append((h0.numpy().copy(), end["h"].numpy().copy()))
        return end

    model.rbm.gibbs = spy
    model.fit(x[:50], batch_size=10, epochs=1, verbose=0, shuffle=False)
    assert len(seen) == 5
    assert not seen[0][0].any()  # starts at zeros, as the tutorial's chain
    for (_, out), (nxt, _) in zip(seen, seen[1:]):
        np.testing.assert_array_equal(nxt, out)  # each step continues the previous one's chain
    np.testing.assert_array_equal(model.persistent_chain.numpy(), seen[-1][1])
    model.rbm.gibbs = gibbs
    model.save(tmp_path / "pcd.keras")
    loaded = keras.saving.load_model(tmp_path / "pcd.keras")
    np.testing.assert_array_equal(loaded.persistent_chain.numpy(), model.persistent_chain.numpy())
    np.testing.assert_allclose(loaded.free_energy(x[:5]), model.free_energy(x[:5]), atol=1e-5)
    assert int(loaded.pl_bit.numpy()) == int(model.pl_bit.numpy()) == 5
    loaded.fit(x[:20], batch_size=10, epochs=1, verbose=0)  # re-compiled from the file, trains on


def test_ragged_batches_use_all_persistent_chains(sample):
    (x, _), _, _ = sample
    model = RBM(n_hidden=8, k=1, seed=0, n_chains=20)
    model.compile()
    history = model.fit(x[:130], batch_size=50, epochs=2, verbose=0)  # 50, 50, 30 examples; 20 chains
    assert np.all(np.isfinite(history.history["pseudo_likelihood"]))
    assert model.persistent_chain.shape == (20, 8)


def full_pseudo_likelihood(model, x):
    """Mean over examples of sum_i log p(x_i | x_-i), all bits (not the stochastic one-bit monitor)."""
    w, b, c = weights(model.rbm)
    xi = np.round(x).astype("float64")
    a = xi @ w + c
    fe = -xi @ b - np.logaddexp(0, a).sum(1)
    total = 0.0
    for i in range(xi.shape[1]):
        d = 1 - 2 * xi[:, i]
        fe_flip = -(xi @ b + d * b[i]) - np.logaddexp(0, a + d[:, None] * w[i]).sum(1)
        total += -np.logaddexp(0, fe - fe_flip).mean()
    return total


def test_short_training_raises_the_pseudo_likelihood(sample):
    (x, _), (xv, _), _ = sample
    model = RBM(n_hidden=64, k=5, persistent=True, seed=1)
    model.compile()
    model.build(x.shape)
    before = full_pseudo_likelihood(model, xv[:100])
    history = model.fit(x[:5000], batch_size=20, epochs=2, verbose=0)
    after = full_pseudo_likelihood(model, xv[:100])
    assert after > before + 50, (before, after)
    assert np.isfinite(history.history["pseudo_likelihood"]).all()


def test_sample_shapes_range_and_seed(sample):
    (x, _), _, (xt, _) = sample
    model = RBM(n_hidden=16, k=1, persistent=False, seed=0)
    model.compile()
    # Fixed order: some shuffles leave this tiny RBM with every hidden unit saturated, and then every
    # chain is deterministic (the same means whatever the seed), which is right but not what this tests.
    model.fit(x[:200], batch_size=20, epochs=1, verbose=0, shuffle=False)
    s1 = model.sample(xt[:4], n_samples=3, steps_between=5, seed=7)
    s2 = model.sample(xt[:4], n_samples=3, steps_between=5, seed=7)
    assert s1.shape == (3, 4, 784) and np.all((s1 >= 0) & (s1 <= 1))
    np.testing.assert_array_equal(s1, s2)
    assert not np.array_equal(s1, model.sample(xt[:4], n_samples=3, steps_between=5, seed=8))


def test_exact_log_partition_enumerates_either_layer(rng):
    layer = tiny_layer(rng, n_visible=6, n_hidden=4)
    w, b, c = weights(layer)
    v, hs = states(6).astype("float64"), states(4).astype("float64")
    brute = np.log(np.sum(np.exp(v @ b[:, None] + (hs @ c)[None, :] + v @ w @ hs.T)))
    assert rbm_log_partition_exact(w, b, c).log_z == pytest.approx(brute, abs=1e-9)
    # Transposed RBM (hidden layer larger): the visible layer is enumerated instead, same Z.
    assert rbm_log_partition_exact(w.T, c, b).log_z == pytest.approx(brute, abs=1e-9)
    with pytest.raises(ValueError, match="too many"):
        rbm_log_partition_exact(np.zeros((40, 30)), np.zeros(40), np.zeros(30))


def test_ais_agrees_with_the_exact_log_partition(sample):
    (x, _), _, (xt, _) = sample
    # Trained as the tutorial trains (PCD), small enough to enumerate 2^16 hidden states.
    model = RBM(n_hidden=16, k=1, persistent=True, seed=2)
    model.compile()
    model.fit(x[:3000], batch_size=20, epochs=2, verbose=0, shuffle=False)
    exact = model.log_partition("exact")
    est = model.log_partition("ais", n_runs=100, betas=ais_betas(3000), data=x[:3000], seed=0)
    assert est.low <= exact.log_z <= est.high, (est, exact)
    assert abs(est.log_z - exact.log_z) < 0.5
    ll, _ = model.log_likelihood(binarize(xt[:500], seed=0), log_z=exact)
    assert -400 < ll < 0


def test_ais_on_a_random_rbm_with_a_uniform_base(rng):
    w = rng.normal(0, 0.3, (30, 8))
    b, c = rng.normal(0, 0.5, 30), rng.normal(0, 0.5, 8)
    exact = rbm_log_partition_exact(w, b, c).log_z
    est = rbm_log_partition_ais(w, b, c, n_runs=50, betas=np.linspace(0, 1, 1000), seed=1)
    assert est.low <= exact <= est.high and abs(est.log_z - exact) < 0.2
    again = rbm_log_partition_ais(w, b, c, n_runs=50, betas=np.linspace(0, 1, 1000), seed=1)
    assert again == est  # a seed makes it repeatable


def test_dbn_pretraining_trains_the_classifiers_own_kernels(sample, capsys):
    (x, y), _, _ = sample
    dbn = DBN((32, 16), seed=0)
    dbn.build((None, 784))
    kernels = [layer.kernel for layer in dbn.hidden_layers]
    before = [k.numpy().copy() for k in kernels]
    costs = dbn.pretrain(x[:600], epochs=2, batch_size=10, learning_rate=0.01, k=1)
    out = capsys.readouterr().out
    assert "Pre-training layer 0, epoch 1, cost" in out and "Pre-training layer 1, epoch 2, cost" in out
    assert len(costs) == 2 and all(len(c) == 2 for c in costs)
    assert costs[0][1] < costs[0][0]
    for k, k0, layer in zip(kernels, before, dbn.hidden_layers):
        assert layer.kernel is k and not np.allclose(k.numpy(), k0)
    dbn.compile()
    history = dbn.fit(x[:600], y[:600], batch_size=10, epochs=1, verbose=0)
    assert "error" in history.history


def test_dbn_config_round_trip(tmp_path, sample):
    (x, y), _, _ = sample
    dbn = DBN((20, 10), seed=0)
    dbn.compile()
    dbn.fit(x[:100], y[:100], batch_size=10, epochs=1, verbose=0)
    dbn.save(tmp_path / "dbn.keras")
    loaded = keras.saving.load_model(tmp_path / "dbn.keras")
    assert [layer.units for layer in loaded.hidden_layers] == [20, 10]
    np.testing.assert_allclose(loaded.predict(x[:5], verbose=0), dbn.predict(x[:5], verbose=0), atol=1e-6)


def test_bad_input(sample):
    (x, _), _, _ = sample
    for k in (0, -1, 1.5):
        with pytest.raises(ValueError, match="k .*must be an int >= 1"):
            RBM(k=k)
    with pytest.raises(ValueError, match="n_chains"):
        RBM(n_chains=0)
    with pytest.raises(ValueError, match="sigmoid"):
        RBMLayer(dense=keras.layers.Dense(4, activation="relu"))
    model = RBM(n_hidden=4, k=1, seed=0)
    model.compile()
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*\[-1.0, 1.0\]"):
        model.fit(x[:20] * 2 - 1, batch_size=10, verbose=0)
    bad = x[:20].copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        model.fit(bad, batch_size=10, verbose=0)
    model.fit(x[:20], batch_size=10, verbose=0)
    with pytest.raises(ValueError, match="784 features"):
        model.fit(x[:20, :100], batch_size=10, verbose=0)
    with pytest.raises(ValueError, match="binary"):
        model.log_likelihood(x[:10], log_z=0.0)
    with pytest.raises(ValueError, match="method"):
        model.log_partition("magic")
    model.rbm.dense.kernel.assign(np.full((784, 4), np.nan, "float32"))
    with pytest.raises(ValueError, match="NaN.*diverged"):
        model.fit(x[:20], batch_size=10, verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.sample(x[:2], n_samples=1, steps_between=1)
    with pytest.raises(ValueError, match="NaN"):
        model.log_partition("exact")
    dbn = DBN((8,), seed=0)
    with pytest.raises(ValueError, match="layers must be indices"):
        dbn.pretrain(x[:20], epochs=1, batch_size=10, layers=[3])
    with pytest.raises(ValueError, match="k must be"):
        dbn.pretrain(x[:20], epochs=1, batch_size=10, k=0)


def test_divergence_stops_training_with_a_clear_error(sample):
    (x, _), _, _ = sample
    model = RBM(n_hidden=4, k=1, persistent=False, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(np.inf))
    from keras_dlt.core import TrainingDiverged

    with pytest.raises(TrainingDiverged, match=r"RBM.fit: training diverged at epoch 1: 'reconstruction_cost' is nan"):
        model.fit(x[:40], batch_size=10, epochs=3, verbose=0)


def test_export_hidden_and_free_energy_endpoints(sample, tmp_path):
    (x, _), _, _ = sample
    model = RBM(n_hidden=10, k=1, seed=0)
    model.compile()
    model.fit(x[:100], batch_size=20, epochs=1, verbose=0)
    path = str(tmp_path / "saved")
    model.export(path, verbose=False)
    out = call_saved_model(path, x[:16], ["hidden", "free_energy"], tmp_path)
    np.testing.assert_allclose(out["hidden"], model(x[:16]), atol=1e-5)
    np.testing.assert_allclose(out["free_energy"], model.free_energy(x[:16]), atol=1e-4)


def test_dbn_pretraining_killed_mid_layer_resumes_to_the_same_stack(sample, tmp_path):
    """Killed in layer 1's second epoch, then the same call on a new DBN: layer 0 is not trained again (its
    weights and costs are the finished layer's), layer 1 goes on from its last whole epoch. (Pretraining shuffles
    the examples each epoch, so after the resume the order, and so the costs, differ a little from an
    uninterrupted run's.)"""
    import keras

    from keras_dlt.models import DBN

    (x, _), _, _ = sample
    x = x[:600]

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if self.model.name == "pretrain_1" and epoch == 1:
                raise RuntimeError("killed")

    def pretrain(backup, crash=False):
        keras.utils.set_random_seed(3)
        dbn = DBN([20, 12], seed=3)
        fit = keras.Model.fit

        def fit_with_crash(model, *args, callbacks=None, **kwargs):
            return fit(model, *args, callbacks=list(callbacks or []) + [Crash()], **kwargs)

        if crash:
            keras.Model.fit = fit_with_crash
        try:
            costs = pretrain_stack(dbn, x, epochs=3, batch_size=20, learning_rate=0.05, verbose=0,
                                   backup=RunBackup(str(backup), config={"epochs": 3})).costs
        finally:
            keras.Model.fit = fit
        return dbn, costs

    whole, costs_whole = pretrain(tmp_path / "a")
    assert sorted(os.listdir(tmp_path / "a")) == ["layer_0.done.json", "layer_0.weights.h5", "layer_1.done.json",
                                                  "layer_1.weights.h5"]  # every layer recorded, no epoch backup left
    with pytest.raises(RuntimeError, match="killed"):
        pretrain(tmp_path / "b", crash=True)
    assert os.path.exists(tmp_path / "b" / "layer_0.done.json") and os.path.isdir(tmp_path / "b" / "layer_1")
    with pytest.raises(ValueError, match=r"was made by a run with other settings \(epochs: 3, now 4\)"):
        pretrain_stack(DBN([20, 12], seed=3), x, epochs=4, batch_size=20, learning_rate=0.05, verbose=0,
                       backup=RunBackup(str(tmp_path / "b"), config={"epochs": 4}))
    resumed, costs_resumed = pretrain(tmp_path / "b")
    np.testing.assert_allclose(costs_resumed[0], costs_whole[0], rtol=1e-6)  # layer 0: the killed run's
    for a, b in zip(whole.hidden_layers[0].get_weights(), resumed.hidden_layers[0].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert len(costs_resumed[1]) == 3  # one epoch from before the kill, two after
    assert costs_resumed[1][0] == pytest.approx(costs_whole[1][0], rel=1e-6)
    np.testing.assert_allclose(costs_resumed[1][1:], costs_whole[1][1:], rtol=0.05)
    assert costs_resumed[1][2] < costs_resumed[1][0]  # it went on learning from where it was
    RunBackup(str(tmp_path / "b")).discard()
    assert not os.path.exists(tmp_path / "b")
