"""Divergence fails loudly: NaN or inf in a loss, a monitor or a weight stops every model's training with an error."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_dlt.core import TrainingDiverged
from keras_dlt.models import MLP, RBM, DenoisingAutoencoder, EnergyModel, LogisticRegression, RnnRbm
from keras_dlt.models.network3 import FullyConnectedLayer, Network, SoftmaxLayer
from keras_dlt.training import SGDSettings, train_classifier

from conftest import ROOT

NAN = float("nan")


def test_classifiers_at_a_nan_learning_rate_raise_naming_the_loss(small):
    (x, y), _, _ = small
    for model in (LogisticRegression(), MLP(hidden_units=(8,), seed=0)):
        model.compile(optimizer=keras.optimizers.SGD(NAN))
        with pytest.raises(TrainingDiverged, match=r"fit: training diverged at epoch 1: 'loss' is nan .*learning rate"):
            model.fit(x, y, batch_size=20, epochs=2, verbose=0)


def test_unsupervised_models_raise_too(small):
    (x, _), _, _ = small
    dae = DenoisingAutoencoder(n_hidden=8, seed=0)
    dae.compile(optimizer=keras.optimizers.SGD(NAN))
    with pytest.raises(TrainingDiverged, match="DenoisingAutoencoder.fit: training diverged"):
        dae.fit(x, batch_size=20, epochs=1, verbose=0)
    # An RBM at lr 1e6 used to report a pseudo-likelihood of exactly 0.0, the best possible value.
    rbm = RBM(n_hidden=8, k=1, seed=0)
    rbm.compile(optimizer=keras.optimizers.SGD(1e6))
    with pytest.raises(TrainingDiverged, match="RBM.fit: training diverged"):
        rbm.fit(x, batch_size=20, epochs=3, verbose=0)
    rolls = [(np.random.default_rng(0).uniform(size=(30, 88)) < 0.1).astype("float32")]
    rnnrbm = RnnRbm(n_hidden=6, n_hidden_recurrent=5, seed=0)
    rnnrbm.compile(optimizer=keras.optimizers.SGD(NAN))
    with pytest.raises(TrainingDiverged, match="RnnRbm.fit"):
        rnnrbm.fit(rolls, epochs=1, verbose=0)
    net = keras.Sequential([keras.layers.Dense(4, activation="softplus"), keras.layers.Dense(1)])
    ebm = EnergyModel(net, n_chains=20, seed=0)
    ebm.compile(optimizer=keras.optimizers.Adam(NAN))
    with pytest.raises(TrainingDiverged, match="EnergyModel.fit"):
        ebm.fit(np.random.default_rng(0).normal(size=(100, 2)).astype("float32"), batch_size=20, epochs=1, verbose=0)


def test_network3_with_an_eta_function_that_goes_nan(small):
    (x, y), valid, test = small
    net = Network([FullyConnectedLayer(784, 10, seed=0), SoftmaxLayer(10, 10)])
    with pytest.raises(TrainingDiverged, match="Network.fit: training diverged at epoch 2"):
        net.SGD((x, y), 3, 10, lambda epoch: 0.1 if epoch == 0 else NAN, valid, test, verbose=0)


def test_the_training_layer_refuses_non_finite_settings():
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0. Received: nan"):
        SGDSettings(learning_rate=NAN, batch_size=20, epochs=1, patience=10)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1. Received: batch_size=0"):
        SGDSettings(learning_rate=0.1, batch_size=0, epochs=1, patience=10)
    with pytest.raises(ValueError, match="steps_per_execution must be an int >= 0"):
        SGDSettings(learning_rate=0.1, batch_size=2, epochs=1, patience=10, steps_per_execution=-3)


def test_train_classifier_raises_and_writes_no_result(small, tmp_path):
    model = MLP(hidden_units=(8,), seed=0)
    settings = SGDSettings(learning_rate=1e30, batch_size=20, epochs=3, patience=1000)
    with pytest.raises(TrainingDiverged):
        train_classifier(model, *small, settings, verbose=0)
    assert not os.path.exists(tmp_path / "result.json")


def run_app(*args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, os.path.join(ROOT, "apps", args[0]), *args[1:]], capture_output=True,
                          text=True, env=env, timeout=600, cwd=ROOT)


def test_apps_refuse_nonsense_numbers_and_a_diverged_run_exits_non_zero_without_complete(tmp_path, capsys):
    import importlib.util

    for app, flag, value in (("logistic_sgd.py", "--learning-rate", "nan"), ("dA.py", "--learning-rate", "inf"),
                             ("rbm.py", "--batch-size", "0"), ("rnnrbm.py", "--dt", "-3")):
        spec = importlib.util.spec_from_file_location(app[:-3] + "_app", os.path.join(ROOT, "apps", app))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with pytest.raises(SystemExit) as exit_:  # argparse's error, before any data or model
            module.main([flag, value])
        assert exit_.value.code == 2, (app, flag, value)
    assert "--dt: must be a finite number > 0; got -3" in capsys.readouterr().err
    from keras_dlt.flags import positive_float, positive_int  # every value the loop above leaves out
    for value in ("nan", "inf", "-inf", "0", "-3", "x"):
        with pytest.raises(Exception, match="must be"):
            positive_float(value)
    for value in ("0", "-3", "1.5", "x"):
        with pytest.raises(Exception, match="must be"):
            positive_int(value)
    proc = run_app("mlp.py", "--data", "sample", "--epochs", "2", "--hidden", "8", "--learning-rate", "1e30",
                   "--verbose", "0", "--out", str(tmp_path / "out"))
    assert proc.returncode == 1, proc.stdout[-1000:] + proc.stderr[-2000:]
    assert "error: MLP.fit: training diverged" in proc.stderr
    assert "Optimization complete" not in proc.stdout
    assert not os.path.exists(tmp_path / "out" / "result.json") and not os.path.exists(tmp_path / "out" / "mlp.keras")


def test_a_diverged_epoch_is_never_backed_up(small, tmp_path):
    """The guard runs before the backup at an epoch's end: the backup keeps the last finite epoch to resume from."""
    from keras_dlt.callbacks import BackupAndResume

    (x, y), _, _ = small

    class PoisonAtTheEndOfEpoch2(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == self.params["steps"] - 1:
                w = self.model.classifier.kernel
                w.assign(np.full(w.shape, np.nan, "float32"))

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    model = MLP(hidden_units=(8,), seed=0)
    model.compile()
    backup = BackupAndResume(str(tmp_path / "b"), verbose=0)
    with pytest.raises(TrainingDiverged, match="at epoch 2: the weights .*logistic"):
        model.fit(x, y, batch_size=20, epochs=3, verbose=0, shuffle=False,
                  callbacks=[PoisonAtTheEndOfEpoch2(), backup])
    assert backup.saved_epoch() == 1
