"""The RNN-RBM's training recipes (keras_dlt.training.music): pretraining, optimiser, early stopping (issue 22)."""

import dataclasses

import keras
import numpy as np
import pytest

from keras_dlt.datasets import load_piano_rolls
from keras_dlt.models import RnnRbm
from keras_dlt.training.music import (RECIPES, RnnRbmRecipe, ValidationFrameAccuracy, pretrain_frame_rbm,
                                      train_rnn_rbm)


@pytest.fixture(scope="module")
def jsb():
    return load_piano_rolls()


def test_the_recipes_and_bad_settings():
    assert RECIPES["tutorial"].learning_rate == 0.001 and RECIPES["tutorial"].epochs == 200
    assert RECIPES["tutorial"].momentum == 0 and RECIPES["tutorial"].rbm_epochs == 0
    paper = RECIPES["paper"]
    assert paper.nesterov and paper.momentum > 0 and paper.clipnorm and paper.rnn_epochs and paper.patience
    optimizer = paper.optimizer()
    assert optimizer.nesterov and optimizer.global_clipnorm == paper.clipnorm
    for bad in ({"learning_rate": 0}, {"epochs": 0}, {"momentum": 1.0}, {"clipnorm": -1}, {"patience": 0},
                {"rnn_epochs": -1}, {"rnn_learning_rate": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            RnnRbmRecipe(**bad)
    with pytest.raises(ValueError, match="unknown recipe 'fast'"):
        train_rnn_rbm(RnnRbm(n_hidden=4, n_hidden_recurrent=3), [np.zeros((5, 88))], recipe="fast")


def test_pretraining_copies_an_rbm_of_the_frames_into_the_model(jsb):
    """After pretraining, the model's frame RBM (W, bv, bh: the RBM of frame 1, u_0 = 0) gives the training
    frames a far higher exact log-likelihood than the initial weights do."""
    from keras_dlt.models.boltzmann.ais import rbm_log_partition_exact
    from keras_dlt.models.boltzmann.math import free_energy

    frames = np.concatenate(jsb["train"][:10]).astype("float32")

    def log_likelihood(model):
        w, bv, bh = model.W.numpy(), model.bv.numpy(), model.bh.numpy()
        return float(np.mean(-free_energy(frames, w, bv, bh)) - rbm_log_partition_exact(w, bv, bh).log_z)

    model = RnnRbm(n_hidden=12, n_hidden_recurrent=5, seed=0)
    before = log_likelihood(model)
    pretrain_frame_rbm(model, jsb["train"][:10], epochs=20, learning_rate=0.1, seed=1)
    after = log_likelihood(model)
    assert before < -55 and after > before + 30, (before, after)  # 88 fair coins: -61 nats


def test_early_stopping_keeps_the_best_validation_epoch(jsb):
    train, valid = jsb["train"][:8], jsb["valid"][:4]
    recipe = dataclasses.replace(RECIPES["paper"], epochs=6, patience=2, rbm_epochs=1, rnn_epochs=0,
                                 learning_rate=0.01)
    model = RnnRbm(n_hidden=16, n_hidden_recurrent=8, seed=3)
    saved = {}

    class KeepWeights(keras.callbacks.Callback):  # after the validation measure, like any user callback
        def on_epoch_end(self, epoch, logs=None):
            saved[epoch] = (logs["val_frame_accuracy"], [w.numpy().copy() for w in self.model.weights])

    result = train_rnn_rbm(model, train, valid, recipe, callbacks=[KeepWeights()], seed=3, verbose=0)
    accuracies = result.history["val_frame_accuracy"]
    assert len(accuracies) == result.epochs_run and "val_threshold" in result.history
    best = int(np.argmax(accuracies))
    assert result.best_epoch == best + 1 and result.best_valid_frame_accuracy == accuracies[best]
    for w, kept in zip(model.weights, saved[best][1]):
        np.testing.assert_array_equal(w.numpy(), kept)
    # The accuracy in the logs is the one the validation callback measures with the kept weights.
    again = ValidationFrameAccuracy(valid, seed=3)
    again.set_model(model)
    logs = {}
    again.on_epoch_end(0, logs)
    assert logs["val_frame_accuracy"] == pytest.approx(accuracies[best])
    assert result.record()["recipe"]["name"] == "paper"


def test_the_tutorial_recipe_trains_without_validation(jsb):
    model = RnnRbm(n_hidden=8, n_hidden_recurrent=4, seed=0)
    result = train_rnn_rbm(model, jsb["train"][:3], jsb["valid"][:2], dataclasses.replace(RECIPES["tutorial"], epochs=2),
                           seed=0, verbose=0)
    assert result.epochs_run == 2 and result.best_epoch is None and "val_frame_accuracy" not in result.history
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.optimizer.momentum == 0


def test_the_rnn_initialisation_option():
    from keras_dlt.training.music import initialise_rnn

    model = RnnRbm(n_hidden=12, n_hidden_recurrent=6, seed=0)
    assert model.Wvu.numpy().std() < 0.02  # the tutorial's N(0, 0.01)
    initialise_rnn(model, seed=1)
    assert model.Wvu.numpy().std() > 0.05 and model.Wuh.numpy().std() > 0.05
    wuu = model.Wuu.numpy()
    np.testing.assert_allclose(wuu @ wuu.T, np.eye(6), atol=1e-5)  # orthogonal
    with pytest.raises(ValueError, match="rnn_init"):
        RnnRbmRecipe(rnn_init="he")


def arpeggios(n, length=32, seed=0):
    """Rising arpeggios C-E-G-C' (one note per frame, a random start in the cycle and a random key), over a
    held bass note: a strong temporal rule under which repeating the previous frame is mostly wrong."""
    rng = np.random.default_rng(seed)
    rolls = []
    for _ in range(n):
        key, phase = int(rng.integers(0, 5)), int(rng.integers(0, 4))
        roll = np.zeros((length, 88), "float32")
        for t in range(length):
            roll[t, 39 + key + (0, 4, 7, 12)[(t + phase) % 4]] = 1
            roll[t, 27 + key] = 1
        rolls.append(roll)
    return rolls


def test_rnn_pretraining_copies_a_next_frame_predictor_into_the_model():
    """The pretrained RNN's weights are the RNN-RBM's: with the RBM's couplings switched off (W = 0) the RNN-RBM's
    visible biases give the predictor's probabilities exactly; the RNN alone beats repeating the previous frame."""
    from keras_dlt.models.boltzmann.frame_metrics import baseline_accuracies, choose_threshold, frame_accuracy_score
    from keras_dlt.training.music import pretrain_frame_rnn

    train, valid, test = arpeggios(160, seed=1), arpeggios(8, seed=2), arpeggios(8, seed=3)
    model = RnnRbm(n_hidden=8, n_hidden_recurrent=16, seed=0)
    before = model.Wuu.numpy().copy()
    history, probabilities = pretrain_frame_rnn(model, train, valid, epochs=40, learning_rate=0.01, batch_size=4,
                                                chunk_length=32, patience=10, seed=1)
    assert history.history["val_loss"][-1] < history.history["val_loss"][0] / 3
    assert not np.allclose(model.Wuu.numpy(), before)
    model.W.assign(np.zeros(model.W.shape, "float32"))
    bv = model.frame_conditionals(test)["bv"]
    np.testing.assert_allclose(1 / (1 + np.exp(-bv)), np.concatenate(probabilities(test)), atol=2e-5)
    threshold, _ = choose_threshold(probabilities(valid), valid)
    test_accuracy = frame_accuracy_score(np.concatenate(probabilities(test)) > threshold, np.concatenate(test))
    repeat = baseline_accuracies(train, test)["repeat_previous_frame"]
    assert repeat < 0.4 and test_accuracy > repeat + 0.3, (test_accuracy, repeat)
    # Its exact log-likelihood, as evaluate_rnn_rbm reports it, is the W = 0 RNN-RBM's (whose AIS is exact).
    from keras_dlt.training.music import evaluate_rnn_rbm
    scores = evaluate_rnn_rbm(model, train, valid, test, n_runs=2, n_betas=10, seed=1, n_steps=20,
                              pretrained_rnn=probabilities)
    assert scores["test_log_likelihood_per_frame_pretrained_rnn"] < -0.01
    assert abs(scores["test_log_likelihood_per_frame"] - scores["test_log_likelihood_per_frame_pretrained_rnn"]) < 1e-3
    assert scores["test_frame_accuracy_pretrained_rnn"] == pytest.approx(test_accuracy)


def test_the_paper_recipe_beats_repeating_the_previous_frame_on_arpeggios():
    """A short run of the paper recipe (RBM and RNN pretraining, then the RNN-RBM's own training, the best
    validation epoch kept): its test frame accuracy, threshold chosen on validation, beats the trivial predictors."""
    from keras_dlt.training.music import evaluate_rnn_rbm

    train, valid, test = arpeggios(320, seed=1), arpeggios(8, seed=2), arpeggios(8, seed=3)
    recipe = dataclasses.replace(RECIPES["paper"], epochs=3, patience=2, rbm_epochs=2, rnn_epochs=40,
                                 rnn_learning_rate=0.01, chunk_length=32)
    model = RnnRbm(n_hidden=16, n_hidden_recurrent=64, seed=0)
    result = train_rnn_rbm(model, train, valid, recipe, seed=1, verbose=0, predict_steps=40)
    assert result.rnn_valid_frame_accuracy > 0.7
    scores = evaluate_rnn_rbm(model, train, valid, test, n_runs=2, n_betas=20, seed=1, n_steps=40)
    baseline = max(scores["test_frame_accuracy_repeat_previous_frame"], scores["test_frame_accuracy_frequent_notes"])
    assert scores["test_frame_accuracy"] > baseline + 0.3, scores


def test_the_start_is_kept_when_no_epoch_beats_it_on_validation():
    """After pretraining, the model the RNN-RBM's training starts from is a candidate: when every epoch is worse
    on validation (here a callback wrecks the visible biases after every batch), the start's weights come back."""
    train, valid = arpeggios(64, seed=1), arpeggios(4, seed=2)
    recipe = dataclasses.replace(RECIPES["paper"], epochs=2, patience=2, rbm_epochs=1, rnn_epochs=5,
                                 rnn_learning_rate=0.01, chunk_length=32)
    model = RnnRbm(n_hidden=8, n_hidden_recurrent=16, seed=0)

    class Wreck(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.bv.assign(np.full(self.model.bv.shape, -20.0, "float32"))

    result = train_rnn_rbm(model, train, valid, recipe, callbacks=[Wreck()], seed=1, verbose=0, predict_steps=20)
    assert result.epochs_run == 2 and max(result.history["val_frame_accuracy"]) < result.start_valid_frame_accuracy
    assert result.best_epoch == 0 and result.best_valid_frame_accuracy == result.start_valid_frame_accuracy
    assert model.bv.numpy().max() > -19  # the start's biases, not the wrecked ones


def test_rnn_pretraining_refuses_a_roll_that_is_not_binary_before_training():
    """A NaN (or any value but 0 and 1) in a training or validation roll: a ValueError naming the sequence,
    before any training (not a NaN loss, nor a predictor trained on it)."""
    from keras_dlt.training.music import pretrain_frame_rnn

    train, valid = arpeggios(4, seed=1), arpeggios(2, seed=2)
    bad = [r.copy() for r in train]
    bad[2][5, 40] = np.nan
    with pytest.raises(ValueError, match="sequence 2 must hold only 0 and 1"):
        train_rnn_rbm(RnnRbm(n_hidden=4, n_hidden_recurrent=4, seed=0), bad, valid, "paper", verbose=0)
    valid[1] = valid[1][:, :80]
    with pytest.raises(ValueError, match=r"pretrain_frame_rnn \(valid\): sequence 1 must be a piano-roll"):
        pretrain_frame_rnn(RnnRbm(n_hidden=4, n_hidden_recurrent=4, seed=0), train, valid, epochs=1)


def test_frame_rnn_is_causal_and_reloads(tmp_path):
    """Frame t's logits see only frames before t (frame 0 sees u_0 = 0: the visible bias), and a `.keras` file keeps them."""
    import keras

    from keras_dlt.models.boltzmann import FrameRNN

    net = FrameRNN(7, 5, seed=0)
    net.build()
    net.out.bias.assign(np.arange(7, dtype="float32"))
    v = (np.random.default_rng(0).random((2, 9, 7)) < 0.4).astype("float32")
    z = keras.ops.convert_to_numpy(net(v))
    np.testing.assert_allclose(z[:, 0], np.tile(np.arange(7, dtype="float32"), (2, 1)), atol=1e-6)
    changed = v.copy()
    changed[:, 4:] = 1.0 - changed[:, 4:]
    z2 = keras.ops.convert_to_numpy(net(changed))
    np.testing.assert_allclose(z2[:, :5], z[:, :5], atol=1e-6)  # frames up to 4 never see frame 4 or later
    assert not np.allclose(z2[:, 5:], z[:, 5:])
    net.save(tmp_path / "f.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.saving.load_model(tmp_path / "f.keras")(v)), z, atol=1e-6)
