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
    assert paper.nesterov and paper.momentum > 0 and paper.clipnorm and paper.rbm_epochs and paper.patience
    optimizer = paper.optimizer()
    assert optimizer.nesterov and optimizer.global_clipnorm == paper.clipnorm
    for bad in ({"learning_rate": 0}, {"epochs": 0}, {"momentum": 1.0}, {"clipnorm": -1}, {"patience": 0}):
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
    recipe = dataclasses.replace(RECIPES["paper"], epochs=6, patience=2, rbm_epochs=1, learning_rate=0.01)
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
