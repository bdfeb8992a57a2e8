"""RNN-RBM: recurrence, training, generation, evaluation, export (issue 6)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from conftest import call_saved_model
from keras_dlt.datasets import load_piano_rolls
from keras_dlt.models import RnnRbm
from keras_dlt.models.boltzmann.rnn_rbm import chunks, frame_accuracy_score
from keras_dlt.models.boltzmann.ais import rbm_log_partition_ais_batch, rbm_log_partition_exact


@pytest.fixture(scope="module")
def jsb():
    return load_piano_rolls()


def tiny_model(seed=0, scale=0.5):
    model = RnnRbm(n_hidden=8, n_hidden_recurrent=5, n_visible=88, seed=seed)
    rng = np.random.default_rng(seed)
    for w in model.trainable_variables:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))
    return model


def test_recurrence_equals_a_direct_python_loop(jsb):
    import tensorflow as tf

    model = tiny_model()
    v = jsb["train"][0][:12]
    p = {w.name: w.numpy().astype("float64") for w in model.trainable_variables}
    scanned = model.recurrence(v)  # eager: the tf.scan loop
    unrolled = tf.function(model.recurrence)(tf.constant(v))  # traced with a known length: written out
    for bv_t, bh_t, u in (scanned, unrolled):
        u_prev = np.zeros(5)
        for t in range(len(v)):  # the tutorial's eqs. 5-7, one frame at a time
            np.testing.assert_allclose(bv_t[t], p["bv"] + u_prev @ p["Wuv"], rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(bh_t[t], p["bh"] + u_prev @ p["Wuh"], rtol=1e-5, atol=1e-5)
            u_prev = np.tanh(p["bu"] + v[t] @ p["Wvu"] + u_prev @ p["Wuu"])
            np.testing.assert_allclose(u[t], u_prev, rtol=1e-5, atol=1e-5)


def test_padding_a_chunk_changes_nothing(jsb):
    """A chunk padded with silence and its length gives the same update as the bare chunk."""
    import tensorflow as tf

    v = jsb["train"][2][:37].astype("float32")
    padded = np.zeros((100, 88), "float32")
    padded[:37] = v
    results = []
    for data in (tf.constant(v), (tf.constant(padded), tf.constant(37))):
        model = tiny_model(scale=0.1)
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        logs = tf.function(model.train_step)(data)
        results.append(([w.numpy() for w in model.trainable_variables], float(logs["pseudo_log_likelihood"])))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert results[0][1] == pytest.approx(results[1][1], rel=1e-4)


def test_generation_shape_binary_reproducible():
    model = RnnRbm(n_hidden=20, n_hidden_recurrent=10, seed=1)
    a, b = model.generate(n_steps=30, seed=5), model.generate(n_steps=30, seed=5)
    assert a.shape == (30, 88) and set(np.unique(a)) <= {0.0, 1.0}
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.generate(n_steps=30, seed=6))
    assert model.generate(n_steps=7, seed=5, n_sequences=3).shape == (3, 7, 88)
    # A new length does not retrace the compiled generator.
    traces = model._generate.experimental_get_tracing_count()
    model.generate(n_steps=11, seed=1)
    assert model._generate.experimental_get_tracing_count() == traces


def test_short_training_on_a_few_chorales_improves_the_monitor(jsb):
    keras.utils.set_random_seed(0)
    model = RnnRbm(n_hidden=50, n_hidden_recurrent=30, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    seqs = jsb["train"][:20]
    before = model.evaluate(model.training_dataset(seqs, shuffle=False), verbose=0)
    history = model.fit(seqs, epochs=4, verbose=0)
    after = model.evaluate(model.training_dataset(seqs, shuffle=False), verbose=0)
    pll = history.history["pseudo_log_likelihood"]
    assert pll[-1] > pll[0] + 5 and after > before + 5, (pll, before, after)


def test_cost_gradient_holds_the_chain_end_constant(jsb):
    """One update equals SGD on mean F(v) - mean F(v~) with v~ fixed (autodiff here vs the model's step)."""
    import tensorflow as tf

    from keras_dlt.models.boltzmann.math import free_energy

    model = tiny_model(scale=0.1)
    v = jsb["train"][1][:10].astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    twin = keras.random.SeedGenerator(0)  # draws the seed the model's next step will draw
    twin.state.assign(model.seed_generator.state.numpy())
    seed = keras.random.randint((2,), 0, 2**31 - 1, seed=twin, dtype="int32")
    bv_t, bh_t, _ = model.recurrence(v)
    v_model = model._chain(tf.constant(v), model.k, bv_t, bh_t, seed)["v"]
    with tf.GradientTape() as tape:
        bv_t, bh_t, _ = model.recurrence(v)
        cost = tf.reduce_mean(free_energy(v, model.W, bv_t, bh_t)) - tf.reduce_mean(free_energy(v_model, model.W, bv_t, bh_t))
    grads = tape.gradient(cost, model.trainable_variables)
    expected = [w.numpy() - 0.1 * g.numpy() for w, g in zip(model.trainable_variables, grads)]
    model.train_step(tf.constant(v))
    for w, e in zip(model.trainable_variables, expected):
        np.testing.assert_allclose(w.numpy(), e, rtol=1e-4, atol=1e-6, err_msg=w.name)


def test_per_frame_log_z_by_ais_matches_exact_enumeration(jsb):
    model = tiny_model()
    v = jsb["test"][0][:6]
    bv_t, bh_t, _ = model.recurrence(v)
    exact = [rbm_log_partition_exact(model.W.numpy(), np.asarray(bv_t[t]), np.asarray(bh_t[t])) for t in range(6)]
    exact = np.array([getattr(e, "log_z", e) for e in exact], "float64")
    ais = rbm_log_partition_ais_batch(model.W, bv_t, bh_t, n_runs=100, n_betas=500, seed=1)
    np.testing.assert_allclose(ais, exact, atol=0.1)
    ll = model.log_likelihood([v], n_runs=100, n_betas=500, seed=1)
    free = -np.asarray(model.free_energies(v), "float64")
    assert ll == pytest.approx(np.mean(free - exact), abs=0.1)


def test_frame_accuracy():
    target = np.array([[1, 0, 1, 0], [0, 1, 0, 0]])
    predicted = np.array([[1, 0, 0, 1], [0, 1, 0, 0]])
    assert frame_accuracy_score(predicted, target) == pytest.approx(2 / 4)  # TP 2, FP 1, FN 1
    model = RnnRbm(n_hidden=10, n_hidden_recurrent=5, seed=0)
    model.bv.assign(np.where(np.arange(88) < 4, 8.0, -8.0).astype("float32"))  # always plays notes 21..24
    seq = np.zeros((5, 88), "float32")
    seq[:, :2] = 1
    assert model.frame_accuracy([seq], seed=0) == pytest.approx(0.5)
    assert model.predict_frames(seq, seed=0).shape == (5, 88)


def test_keras_round_trip_and_saved_model_generate(tmp_path, jsb):
    model = RnnRbm(n_hidden=12, n_hidden_recurrent=6, seed=2)
    model.compile()
    model.fit(jsb["train"][:2], epochs=1, verbose=0)
    model.save(tmp_path / "r.keras")
    loaded = keras.saving.load_model(tmp_path / "r.keras")
    np.testing.assert_array_equal(loaded.generate(20, seed=3), model.generate(20, seed=3))
    v = jsb["test"][0][:15].astype("float32")
    model.export(tmp_path / "sm", verbose=False)
    out = call_saved_model(tmp_path / "sm", v, ["serve"], tmp_path)
    np.testing.assert_allclose(out["serve"], model(v), rtol=1e-5, atol=1e-6)
    code = ("import sys, json, numpy as np, tensorflow as tf; m = tf.saved_model.load(sys.argv[1]); "
            "g = m.generate(tf.constant(25), tf.constant([1, 2], tf.int32)).numpy(); "
            "print(json.dumps([list(g.shape), sorted(np.unique(g).tolist()), 'keras_dlt' in sys.modules]))")
    env = {k: val for k, val in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "sm")], capture_output=True, text=True,
                          cwd=str(tmp_path), env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    shape, values, imported = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shape == [25, 88] and set(values) <= {0.0, 1.0} and not imported


def test_bad_input_clear_errors(jsb):
    model = RnnRbm(n_hidden=5, n_hidden_recurrent=3)
    with pytest.raises(ValueError, match=r"sequence 1 must be a piano-roll \[T, 88\]"):
        model.training_dataset([jsb["train"][0], np.zeros((10, 80))])
    with pytest.raises(ValueError, match="only 0 and 1"):
        model.training_dataset([np.full((4, 88), 0.5)])
    with pytest.raises(ValueError, match="n_hidden must be an int"):
        RnnRbm(n_hidden=0)
    with pytest.raises(ValueError, match="n_steps"):
        model.generate(n_steps=0)
    assert [len(c) for c in chunks([np.zeros((250, 88))], 100)] == [100, 100, 50]


def test_the_trivial_baselines_arithmetic_on_hand_made_rolls():
    from keras_dlt.models.boltzmann.frame_metrics import baseline_accuracies, frequent_notes, repeat_previous_frame

    a = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0]], "float32")  # notes 0, 0, 1
    b = np.array([[0, 0, 1], [0, 0, 1]], "float32")
    np.testing.assert_array_equal(repeat_previous_frame([a, b]), [[0, 0, 0], [1, 0, 0], [1, 0, 0],
                                                                   [0, 0, 0], [0, 0, 1]])
    # Repeat: TP 2 (a1, b1), FP 1 (a2 predicts 0), FN 3 (a0, a2's note 1, b0): 2 / 6.
    # Frequent notes from training [a]: one note a frame, note 0 most frequent: TP 2, FP 3, FN 3: 2 / 8.
    assert baseline_accuracies([a], [a, b]) == {"repeat_previous_frame": pytest.approx(2 / 6),
                                                "frequent_notes": pytest.approx(2 / 8)}
    assert frequent_notes([a], 2).tolist() == [[1, 0, 0], [1, 0, 0]]


def test_the_decision_threshold_is_chosen_on_the_frames_it_is_given():
    from keras_dlt.models.boltzmann.frame_metrics import choose_threshold

    # Calibrated but spread marginals: the notes that sound get 0.3, the others 0.1. A fixed 0.5 predicts nothing.
    target = np.zeros((50, 6), "float32")
    target[:, :2] = 1
    probabilities = np.where(target > 0, 0.3, 0.1)
    threshold, accuracy = choose_threshold(probabilities, target)
    assert 0.1 <= threshold < 0.3 and accuracy == 1.0
    # Other frames (as a test split would be) where 0.25 is wrong: only the frames given decide.
    other = np.where(target > 0, 0.2, 0.1)
    assert choose_threshold(other, target)[0] < 0.2
    assert choose_threshold([probabilities[:20], probabilities[20:]], [target[:20], target[20:]]) == (threshold, 1.0)


def exact_marginals(w, bv, bh):
    """p(v_i = 1) of a small binary RBM, by enumerating its hidden states."""
    w, bv, bh = (np.asarray(x, "float64") for x in (w, bv, bh))
    n = w.shape[1]
    h = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype("float64")
    log_p_h = h @ bh + np.logaddexp(0.0, h @ w.T + bv).sum(1)
    p_h = np.exp(log_p_h - np.logaddexp.reduce(log_p_h))
    return p_h @ (1 / (1 + np.exp(-(h @ w.T + bv))))


def test_batched_evaluation_equals_each_sequence_alone(jsb):
    """The RNN over padded sequences of different lengths gives each frame the biases of its own sequence."""
    model = tiny_model()
    seqs = [jsb["test"][0][:9], jsb["test"][1][:4], jsb["test"][2][:13]]
    frames = model.frame_conditionals(seqs)
    assert frames["bv"].shape == (26, 88) and list(frames["lengths"]) == [9, 4, 13]
    at = 0
    for s in seqs:
        bv_t, bh_t, _ = model.recurrence(s)
        np.testing.assert_allclose(frames["bv"][at:at + len(s)], bv_t, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(frames["bh"][at:at + len(s)], bh_t, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(frames["previous"][at + 1:at + len(s)], s[:-1])
        assert not frames["previous"][at].any()
        at += len(s)


def test_frame_probabilities_estimate_the_exact_conditional_marginals(jsb):
    model = tiny_model(scale=0.3)
    model.eval_block_frames = 7  # several blocks, the last one padded
    seqs = [jsb["test"][0][:6], jsb["test"][3][:5]]
    frames = model.frame_conditionals(seqs)
    exact = np.stack([exact_marginals(model.W.numpy(), frames["bv"][t], frames["bh"][t]) for t in range(11)])
    for start in RnnRbm.PREDICTION_STARTS:
        p = np.concatenate(model.frame_probabilities(seqs, n_samples=400, seed=3, start=start))
        np.testing.assert_allclose(p, exact, atol=0.03)
    a = model.frame_probabilities(seqs, n_samples=5, seed=4)
    b = model.frame_probabilities(seqs, n_samples=5, seed=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="start must be one of"):
        model.frame_probabilities(seqs, start="random")


def test_batched_log_likelihood_over_sequences_and_blocks_matches_exact(jsb):
    model = tiny_model()
    model.eval_block_chains = 300  # 3 frames of 100 runs per block: several blocks, the last padded
    seqs = [jsb["test"][0][:5], jsb["test"][1][:3]]
    frames = model.frame_conditionals(seqs)
    exact = np.array([rbm_log_partition_exact(model.W.numpy(), frames["bv"][t], frames["bh"][t]).log_z
                      for t in range(8)])
    per_frame = model.frame_log_likelihoods(seqs, n_runs=100, n_betas=500, seed=1)
    free = -np.concatenate([np.asarray(model.free_energies(s), "float64") for s in seqs])
    np.testing.assert_allclose(per_frame, free - exact, atol=0.1)


def test_piece_statistics_on_hand_made_rolls():
    from keras_dlt.models.boltzmann.frame_metrics import piece_statistics

    a = np.zeros((4, 88))
    a[0:3, 39] = 1          # middle C (MIDI 60) for three frames, then silence
    a[1, 43] = 1            # E above it in frame 1
    stats = piece_statistics([a, np.zeros((2, 88))])
    assert stats["frames"] == 6
    assert stats["notes_per_frame"] == pytest.approx(4 / 6)
    assert stats["silent_frames"] == pytest.approx(3 / 6)
    assert (stats["lowest"], stats["highest"]) == (60, 64)
    # Repeats within pieces only: a (0->1 no, 1->2 no, 2->3 no), b (silence -> silence: yes).
    assert stats["repeated_frames"] == pytest.approx(1 / 4)
    assert piece_statistics(np.zeros((3, 88)))["lowest"] is None


def test_prediction_chains_length_and_burn_in_take_effect_and_averaging_lowers_the_error(jsb):
    model = tiny_model(scale=1.0)
    seqs = [jsb["test"][0][:8], jsb["test"][2][:6]]
    one = model.frame_probabilities(seqs, n_samples=3, seed=0, n_steps=1, burn_in=0)[0]
    thirty = model.frame_probabilities(seqs, n_samples=3, seed=0, n_steps=30, burn_in=0)[0]
    assert not np.allclose(one, thirty)  # a new chain length after a first trace takes effect
    frames = model.frame_conditionals(seqs)
    exact = np.stack([exact_marginals(model.W.numpy(), frames["bv"][t], frames["bh"][t]) for t in range(14)])

    def error(burn_in):  # the same chains (seed, start, 200 steps): the last step alone, or the mean after burn-in
        p = np.concatenate(model.frame_probabilities(seqs, n_samples=2, seed=5, n_steps=200, burn_in=burn_in))
        return np.abs(p - exact).mean()

    assert error(50) < 0.5 * error(199)
    for bad, match in ((dict(n_steps=0), "n_steps must be an int >= 1"), (dict(burn_in=-1), "burn_in must be an int"),
                       (dict(n_steps=10, burn_in=10), "burn_in must be below n_steps")):
        with pytest.raises(ValueError, match=match):
            model.frame_probabilities(seqs, **bad)


def test_fit_evaluate_and_predict_take_lists_batches_and_datasets_or_say_what_they_got():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    seqs = [(rng.random((n, 12)) < 0.2).astype("float32") for n in (30, 17, 45)]
    model = RnnRbm(8, 6, n_visible=12, k=1, seed=1)
    model.compile()
    model.fit(seqs, epochs=1, verbose=0)                        # a list: chunks of 100
    batch = np.stack([s[:17] for s in seqs])                    # [B, T, n]: B sequences
    model.fit(batch, epochs=1, verbose=0)
    model.fit(model.training_dataset(seqs, chunk_length=20), epochs=1, verbose=0)
    # evaluate: the monitor of whole sequences; a list is each sequence, padded (the padding ignored).
    assert np.isfinite(model.evaluate(seqs, verbose=0)) and np.isfinite(model.evaluate(batch, verbose=0))
    alone = [model.evaluate(s, verbose=0) for s in seqs]
    np.testing.assert_allclose(model.evaluate(seqs, verbose=0), np.mean(alone), atol=0.5)  # Gibbs noise
    # predict: each sequence's bv_t, as the model's call gives it.
    listed = model.predict(seqs)
    assert [p.shape for p in listed] == [(30, 12), (17, 12), (45, 12)]
    np.testing.assert_allclose(listed[2], model(seqs[2]).numpy(), atol=1e-5)
    np.testing.assert_allclose(model.predict(seqs[0]), listed[0], atol=1e-5)
    batched = model.predict(batch)
    assert batched.shape == (3, 17, 12)
    np.testing.assert_allclose(batched[1], listed[1], atol=1e-5)
    np.testing.assert_allclose(batched[0], listed[0][:17], atol=1e-5)  # causal: a prefix's biases are its own
    # A batched dataset would be read as one long sequence: refused, with the fix.
    for call in (lambda: model.fit(model.training_dataset(seqs, chunk_length=20).batch(2), epochs=1, verbose=0),
                 lambda: model.evaluate(tf.data.Dataset.from_tensor_slices(batch).batch(2), verbose=0),
                 lambda: model.predict(tf.data.Dataset.from_tensor_slices(batch).batch(2))):
        with pytest.raises(ValueError, match=r"yields batches of sequences.*unbatch"):
            call()
    with pytest.raises(ValueError, match="Received: str"):
        model.predict("abc")
    with pytest.raises(ValueError, match=r"sequence 1 must be a piano-roll \[T, 12\]"):
        model.evaluate([seqs[0], seqs[1][:, :5]], verbose=0)
