"""The apps as a user runs them: flags, progress, closing line, files written;
and the learning test (LeNet on the bundled sample)."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOSING = re.compile(
    r"^Optimization complete: best validation error ([\d.]+) %, test error ([\d.]+) %, (\d+) epochs, ([\d.]+) s$"
)


def run_app(name, *flags, timeout=600):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "apps", name), *flags],
        capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def load_app(name):
    """An app's module, imported from apps/ without running it (to call its `main` in-process)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name.removesuffix(".py") + "_app", os.path.join(ROOT, "apps", name))
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    return app


def check_outputs(out_dir, stdout, stem, epochs):
    last = stdout.strip().splitlines()[-1]
    match = CLOSING.match(last)
    assert match, f"unexpected last line: {last!r}"
    valid, test, n_epochs, _ = match.groups()
    assert int(n_epochs) == epochs
    for name in ("filters.png", f"{stem}.keras", "saved_model/saved_model.pb", "result.json"):
        assert os.path.exists(os.path.join(out_dir, name)), name
    result = json.load(open(os.path.join(out_dir, "result.json")))
    assert float(test) == pytest.approx(result["test_error"] * 100, abs=1e-3)
    assert result["interrupted"] is False
    return result


def test_logistic_sgd_app(tmp_path):
    out = tmp_path / "log"
    stdout = run_app("logistic_sgd.py", "--data", "sample", "--epochs", "10", "--out", str(out), "--seed", "1")
    assert "validation error" in stdout and "test error of best model" in stdout
    result = check_outputs(out, stdout, "logistic_sgd", 10)
    assert result["test_error"] < 0.18  # chance is 0.9; the tutorial is at ~12 % after 1 full epoch


def test_mlp_app_flags(tmp_path):
    out = tmp_path / "mlp"
    stdout = run_app("mlp.py", "--data", "sample", "--epochs", "1", "--batch-size", "40", "--learning-rate", "0.05",
                     "--hidden", "64", "--out", str(out), "--verbose", "0")
    assert "lr 0.05, batch 40" in stdout
    result = check_outputs(out, stdout, "mlp", 1)
    assert result["train_size"] == 8320  # whole minibatches only, as the tutorial


def test_lenet_learns_on_the_bundled_sample(tmp_path):
    """The learning test: a few epochs on 8,300 digits reach a low test error.

    5 epochs: after 3 the test error was 5.85 % (Keras' draws) and 6.75 % (the
    tutorial's), too near any threshold; after 5, 3.75 % and 4.35 %.
    """
    out = tmp_path / "lenet"
    stdout = run_app("lenet.py", "--data", "sample", "--epochs", "5", "--batch-size", "50", "--out", str(out))
    assert "Epoch 5/5" in stdout  # Keras' progress output
    result = check_outputs(out, stdout, "lenet", 5)
    assert result["test_error"] < 0.06, result


def test_help_names_the_flags():
    text = run_app("lenet.py", "--help")
    for flag in ("--data", "--epochs", "--batch-size", "--learning-rate", "--out", "--seed"):
        assert flag in text


def test_seed_makes_a_run_repeatable(tmp_path):
    a = run_app("logistic_sgd.py", "--data", "sample", "--epochs", "2", "--out", str(tmp_path / "a"), "--verbose", "0", "--no-export")
    b = run_app("logistic_sgd.py", "--data", "sample", "--epochs", "2", "--out", str(tmp_path / "b"), "--verbose", "0", "--no-export")
    ra = json.load(open(tmp_path / "a" / "result.json"))
    rb = json.load(open(tmp_path / "b" / "result.json"))
    assert (ra["best_validation_error"], ra["test_error"]) == (rb["best_validation_error"], rb["test_error"])
    assert CLOSING.match(a.strip().splitlines()[-1]) and CLOSING.match(b.strip().splitlines()[-1])


def test_dA_app_writes_both_pictures_and_costs(tmp_path):
    out = tmp_path / "dA"
    stdout = run_app("dA.py", "--data", "sample", "--epochs", "2", "--hidden", "50", "--out", str(out), "--verbose", "0")
    costs = [float(m) for m in re.findall(r"Training epoch \d+, cost ([\d.]+)", stdout)]
    assert len(costs) == 4 and costs[1] < costs[0] and costs[3] < costs[2]
    for name in ("filters_corruption_0.png", "filters_corruption_30.png", "dA_corruption_0/saved_model.pb",
                 "dA_corruption_30/saved_model.pb"):
        assert os.path.exists(out / name), name


def test_SdA_app_small(tmp_path):
    out = tmp_path / "SdA"
    stdout = run_app("SdA.py", "--data", "sample", "--hidden", "64", "32", "--corruption", "0.1", "0.2",
                     "--pretrain-epochs", "1", "--pretrain-lr", "0.05", "--batch-size", "50", "--epochs", "2",
                     "--out", str(out), "--verbose", "0")
    assert "Pre-training layer 0, epoch 1, cost" in stdout and "Pre-training layer 1, epoch 1, cost" in stdout
    assert "patience 1660" in stdout  # 10 epochs of 166 minibatches, as SdA.py
    result = check_outputs(out, stdout, "SdA", 2)
    assert result["test_error"] < 0.36  # this setting reaches 0.31 (chance 0.9)


def test_SdA_help_explains_the_batch_size():
    text = " ".join(run_app("SdA.py", "--help").split())
    assert "Batch size: the tutorial uses 1" in text and "many times faster" in text


def test_rbm_app_writes_filters_samples_and_ais(tmp_path):
    out = tmp_path / "rbm"
    stdout = run_app("rbm.py", "--data", "sample", "--epochs", "2", "--hidden", "40", "--k", "3", "--chains", "6",
                     "--samples", "3", "--plot-every", "20", "--ais", "--ais-betas", "500", "--ais-runs", "20",
                     "--out", str(out), "--verbose", "0")
    costs = [float(m) for m in re.findall(r"Training epoch \d+, cost is (-?[\d.]+)", stdout)]
    assert len(costs) == 2 and all(c < 0 for c in costs)  # pseudo-likelihood: a log-probability
    match = re.search(r"average test log-likelihood = (-[\d.]+) nats", stdout)
    assert match and -400 < float(match.group(1)) < -50
    for name in ("filters_at_epoch_1.png", "filters_at_epoch_2.png", "samples.png", "RBM.keras",
                 "saved_model/saved_model.pb", "result.json"):
        assert os.path.exists(out / name), name
    from PIL import Image

    # 3 rows of 6 chains, 28x28 tiles drawn 2x (>= 40 px), with a title line and the rows' Gibbs-step labels.
    width, height = Image.open(out / "samples.png").size
    assert width >= 6 * 29 * 2 + 40 and height >= 3 * 29 * 2 + 20
    result = json.load(open(out / "result.json"))
    assert result["costs"] == pytest.approx(costs, abs=1e-3) and result["log_z_low"] <= result["log_z_high"]


def test_DBN_app_small(tmp_path):
    out = tmp_path / "DBN"
    stdout = run_app("DBN.py", "--data", "sample", "--hidden", "64", "32", "--pretrain-epochs", "1",
                     "--batch-size", "50", "--epochs", "2", "--out", str(out), "--verbose", "0")
    assert "Pre-training layer 0, epoch 1, cost" in stdout and "Pre-training layer 1, epoch 1, cost" in stdout
    assert "patience 664" in stdout  # 4 epochs of 166 minibatches, as DBN.py (SdA.py: 10)
    result = check_outputs(out, stdout, "DBN", 2)
    assert result["test_error"] < 0.48  # this setting reaches 0.43 (chance 0.9)


def test_DBN_app_fine_tunes_again_from_saved_pretrained_weights(tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    flags = ("--data", "sample", "--hidden", "64", "32", "--batch-size", "50", "--epochs", "2", "--verbose", "0",
             "--no-export")
    stdout = run_app("DBN.py", *flags, "--pretrain-epochs", "1", "--out", str(first))
    weights = first / "pretrained.weights.h5"
    assert f"pretrained weights saved to {weights}" in stdout
    stdout = run_app("DBN.py", *flags, "--pretrained", str(weights), "--out", str(again))
    assert "Pre-training layer" not in stdout and f"fine-tuning starts from {weights}" in stdout
    # Same pretrained start, same seed, same fine-tuning: the same model.
    a, b = json.load(open(first / "result.json")), json.load(open(again / "result.json"))
    assert b["pretrained_from"] == str(weights) and b["pretraining_seconds"] == 0
    assert (a["best_validation_error"], a["test_error"]) == (b["best_validation_error"], b["test_error"])
    import keras

    import keras_dlt.models  # noqa: F401  (registers DBN for loading)

    w1, w2 = (keras.models.load_model(d / "DBN.keras").get_weights() for d in (first, again))
    assert all(np.array_equal(x, y) for x, y in zip(w1, w2))


def test_pretrained_weights_of_another_size_are_refused(tmp_path):
    from keras_dlt.models import DBN

    weights = tmp_path / "pretrained.weights.h5"
    small = DBN([16, 8], n_in=784)
    small.build((None, 784))
    small.save_weights(str(weights))
    app = load_app("DBN.py")
    flags = ["--data", "sample", "--hidden", "32", "8", "--out", str(tmp_path / "o"), "--verbose", "0"]
    with pytest.raises(ValueError, match=r"pretrained\.weights\.h5: its weights do not fit a DBN with hidden layers \[32, 8\]"):
        app.main(flags + ["--pretrained", str(weights)])
    (tmp_path / "junk.weights.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="junk.weights.h5: not a readable Keras weights file"):
        app.main(flags + ["--pretrained", str(tmp_path / "junk.weights.h5")])
    with pytest.raises(FileNotFoundError, match="missing.h5: no such file"):
        app.main(flags + ["--pretrained", str(tmp_path / "missing.h5")])


def test_hmc_app_prints_the_tutorials_report(tmp_path):
    out = tmp_path / "hmc"
    stdout = run_app("hmc.py", "--burnin", "300", "--samples", "300", "--out", str(out))
    for line in ("target mean:", "empirical mean:", "final stepsize", "final acceptance_rate",
                 "effective sample size per dimension:", "R-hat per dimension:"):
        assert line in stdout, line
    result = json.load(open(out / "result.json"))
    np.testing.assert_allclose(result["mean"], result["target_mean"], atol=0.4)
    assert abs(result["final_acceptance_rate"] - 0.9) < 0.1 and 0.001 <= result["final_stepsize"] <= 0.5
    from PIL import Image

    assert Image.open(out / "traces.png").size == (900, 150 * 6 + 60)  # 5 dimensions + step size / acceptance
    stdout = run_app("hmc.py", "--burnin", "300", "--draws", "300", "--stepsize-jitter", "0.5", "--out", str(out))
    assert "step-size jitter 0.5" in stdout
    jittered = json.load(open(out / "result.json"))
    np.testing.assert_allclose(jittered["mean"], jittered["target_mean"], atol=0.4)
    assert min(jittered["ess"]) > min(result["ess"])


def test_ebm_app_reports_a_two_sample_test_and_writes_the_picture(tmp_path):
    out = tmp_path / "ebm"
    stdout = run_app("ebm.py", "--points", "400", "--epochs", "2", "--chains", "100", "--sample-moves", "20",
                     "--sample-chains", "200", "--hidden", "16", "--out", str(out))
    assert "two-sample test (MMD^2" in stdout and "data vs data" in stdout
    result = json.load(open(out / "result.json"))
    assert len(result["history"]["loss"]) == 2 and 0 <= result["p_value"] <= 1
    from PIL import Image

    assert Image.open(out / "data_vs_samples.png").size == (960, 390)  # three 300-px panels with axes
    import keras

    model = keras.saving.load_model(out / "EnergyModel.keras")
    assert model.chains.shape == (100, 2)


def test_ebm_app_digits_reports_moments(tmp_path):
    out = tmp_path / "ebm_digits"
    stdout = run_app("ebm.py", "--data", "sample", "--points", "500", "--epochs", "1",
                     "--chains", "50", "--hidden", "10", "--sample-moves", "10", "--sample-chains", "100",
                     "--out", str(out))
    assert "moments of HMC samples vs held-out data" in stdout
    result = json.load(open(out / "result.json"))
    assert {"cov_relative_error", "cov_relative_error_gibbs", "std_ratio_range"} <= set(result)
    assert os.path.exists(out / "GaussianBernoulliRBM.keras") and os.path.exists(out / "data_vs_samples.png")


def test_network3_app_preset_prints_network3s_lines_and_writes_the_diagnostic(tmp_path):
    out = tmp_path / "n3"
    stdout = run_app("network3.py", "--preset", "baseline", "--data", "sample", "--epochs", "2", "--out", str(out))
    for line in ("Epoch 0: validation accuracy", "Epoch 1: validation accuracy", "Finished training network.",
                 "Best validation accuracy of", "Corresponding test accuracy of"):
        assert line in stdout, line
    result = json.load(open(out / "result.json"))
    assert result["epochs"] == 2 and result["eta"] == 0.1 and 0.5 < result["final_test_accuracy"][0] <= 1
    from PIL import Image

    assert Image.open(out / "training_curves.png").size == (840, 340)  # two panels with axes
    header = open(out / "history.csv").readline().strip().split(",")
    assert {"train_accuracy", "val_accuracy", "train_cost", "val_loss"} <= set(header)
    assert os.path.exists(out / "network3_baseline.keras")


def test_rnnrbm_app_trains_generates_midi_and_pictures(tmp_path):
    out = tmp_path / "rnnrbm"
    stdout = run_app("rnnrbm.py", "--epochs", "1", "--hidden", "20", "--recurrent", "10", "--frames", "30",
                     "--out", str(out), "--verbose", "2")
    assert "Epoch 1 cost" in stdout and "Training took" in stdout
    from keras_dlt.midi import midi_to_piano_roll

    for i in (1, 2):
        roll = midi_to_piano_roll(out / f"sample{i}.mid")
        assert roll.shape[1] == 88 and len(roll) <= 30
        assert os.path.exists(out / f"sample{i}.png")
    assert os.path.exists(out / "RnnRbm.keras") and os.path.exists(out / "saved_model" / "saved_model.pb")
    result = json.load(open(out / "result.json"))
    assert len(result["costs"]) == 1 and not result["interrupted"] and result["generate_k"] == 25  # the tutorial's


def test_rnnrbm_app_stops_cleanly_on_ctrl_c_and_still_generates(tmp_path):
    import signal

    out = tmp_path / "rnnrbm_int"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "apps", "rnnrbm.py"), "--epochs", "500", "--hidden",
                             "20", "--recurrent", "10", "--frames", "20", "--out", str(out), "--verbose", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            # a terminal's Ctrl+C: undo the SIG_IGN a background job (CI run with &) inherits
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    for line in proc.stdout:  # wait until training runs (an epoch finished), then press Ctrl+C
        lines.append(line)
        if line.startswith("Epoch 1 cost"):
            proc.send_signal(signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=300)
    stdout = "".join(lines) + rest
    assert proc.returncode == 0, err[-2000:]
    assert "Interrupted by user" in stdout
    assert os.path.exists(out / "sample1.mid") and os.path.exists(out / "sample2.png")
    assert json.load(open(out / "result.json"))["interrupted"] is True


def test_network3_ensemble_ctrl_c_scores_what_it_has_and_the_same_command_finishes_it(tmp_path, monkeypatch, capsys):
    import signal

    import keras

    from keras_dlt.models import network3

    class PressCtrlC(keras.callbacks.Callback):
        """The user presses Ctrl+C early in the second network's training."""
        nets, calls = [], 0

        def on_train_batch_end(self, batch, logs=None):  # once per compiled call (steps_per_execution steps)
            if self.model not in PressCtrlC.nets:
                PressCtrlC.nets.append(self.model)
                PressCtrlC.calls = 0
            PressCtrlC.calls += 1
            if len(PressCtrlC.nets) == 2 and PressCtrlC.calls == 2:
                os.kill(os.getpid(), signal.SIGINT)

    sgd = network3.Network.SGD

    def sgd_with_ctrl_c(self, *args, callbacks=None, **kwargs):
        return sgd(self, *args, callbacks=list(callbacks or []) + [PressCtrlC()], **kwargs)

    app = load_app("network3.py")
    flags = ["--preset", "ensemble", "--ensemble", "2", "--data", "sample", "--epochs", "1", "--no-monitor",
             "--verbose", "0", "--out", str(tmp_path)]
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (CI may run with SIGINT ignored)
    try:
        with monkeypatch.context() as m:
            m.setattr(network3.Network, "SGD", sgd_with_ctrl_c)
            result = app.main(flags)
    finally:
        signal.signal(signal.SIGINT, before)
    assert result["interrupted"] is True and result["networks_trained"] == 2
    assert 0 < result["ensemble_test_accuracy"] <= 1  # the two it has vote
    assert os.path.exists(tmp_path / "network3_ensemble_1.keras")
    assert os.path.exists(tmp_path / "backup" / "network_0.done.json")
    assert json.load(open(tmp_path / "result.json"))["interrupted"] is True
    record = json.load(open(tmp_path / "backup" / "network_0.done.json"))
    capsys.readouterr()
    again = app.main(flags)  # the same command: network 1 is kept, network 2 trained again in full
    assert "network 1 of 2: trained by the interrupted run, loaded" in capsys.readouterr().out
    assert again["interrupted"] is False and again["networks_trained"] == 2
    assert again["final_test_accuracy"][0] == result["final_test_accuracy"][0]
    assert again["best_validation_accuracy"][0] == result["best_validation_accuracy"][0]
    assert not os.path.exists(tmp_path / "backup")
    # A finished member of a run with other settings is not mixed in: the flag is named.
    os.makedirs(tmp_path / "backup")
    json.dump(record, open(tmp_path / "backup" / "network_0.done.json", "w"))
    with pytest.raises(ValueError, match=r"network_0.done.json was made by a run with other settings \(learning_rate: None, now 0.05\)"):
        app.main(flags + ["--eta", "0.05"])


def test_DBN_app_killed_during_fine_tuning_resumes_without_pretraining_to_the_same_model(tmp_path):
    import signal

    whole, killed = tmp_path / "whole", tmp_path / "killed"
    flags = ("--data", "sample", "--hidden", "64", "32", "--pretrain-epochs", "1", "--batch-size", "50",
             "--epochs", "4", "--no-export", "--verbose", "2")
    run_app("DBN.py", *flags, "--out", str(whole))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "apps", "DBN.py"), *flags, "--out", str(killed)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    for line in proc.stdout:  # validated epoch 2 (so epoch 1 is backed up): kill it, as a crash or a reboot would
        if line.startswith("epoch 2, minibatch"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and not os.path.exists(killed / "result.json")
    assert os.path.exists(killed / "backup" / "training" / "latest.weights.h5")
    stdout = run_app("DBN.py", *flags, "--out", str(killed))  # the same command again
    assert "pretraining skipped: fine-tuning resumes from its backup" in stdout
    assert "Pre-training layer" not in stdout and "... resuming from the backup" in stdout
    a, b = json.load(open(whole / "result.json")), json.load(open(killed / "result.json"))
    assert b["resumed_from_epoch"] in (1, 2) and b["epochs"] == a["epochs"] == 4
    assert (a["best_validation_error"], a["test_error"], a["best_iteration"]) == \
        (b["best_validation_error"], b["test_error"], b["best_iteration"])
    assert not os.path.exists(killed / "backup")  # a finished run leaves no backup
    assert len(open(killed / "history.csv").readlines()) == 1 + 4  # header and one row per epoch, none twice
    import keras

    import keras_dlt.models  # noqa: F401  (registers DBN for loading)

    w1, w2 = (keras.models.load_model(d / "DBN.keras").get_weights() for d in (whole, killed))
    for x, y in zip(w1, w2):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_lenet_app_by_default_starts_from_the_tutorials_initial_weights(monkeypatch):
    """No flags: the network handed to training is the tutorial's, RandomState(23455)'s draws."""
    from keras_dlt.models import LeNet

    app = load_app("lenet.py")
    handed = {}

    class Handed(Exception):
        pass

    def train_classifier(model, train, valid, test, settings, **kwargs):
        handed.update(model=model, settings=settings)
        raise Handed

    # The app imports them once its flags are read: patched where it imports them from.
    monkeypatch.setattr("keras_dlt.training.train_classifier", train_classifier)
    monkeypatch.setattr("keras_dlt.datasets.load_mnist",
                        lambda path: ((np.zeros((10, 784), "float32"), np.zeros(10, "int32")),) * 3)
    with pytest.raises(Handed):
        app.main(["--out", "unused"])
    assert handed["settings"].learning_rate == 0.1 and handed["settings"].batch_size == 500
    expected = LeNet().init_as_tutorial(23455).get_weights()
    got = handed["model"].get_weights()
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(Handed):
        app.main(["--init", "keras", "--out", "unused"])  # the other choice: the same distribution, other draws
    handed["model"].build((None, 784))
    assert not np.array_equal(handed["model"].get_weights()[0], expected[0])


def test_lenet_app_starts_from_the_tutorials_own_draws(tmp_path):
    out = tmp_path / "lenet"
    stdout = run_app("lenet.py", "--data", "sample", "--init", "tutorial", "--seed", "23455", "--nkerns", "4", "6",
                     "--hidden", "20", "--batch-size", "100", "--epochs", "1", "--no-export", "--out", str(out))
    result = json.load(open(out / "result.json"))
    assert result["test_error"] < 0.5 and "test error" in stdout.splitlines()[-1]


@pytest.mark.parametrize("app,flags,started", [
    ("dA.py", ["--data", "sample", "--epochs", "200", "--hidden", "20"], "Training epoch 1, cost"),
    ("rbm.py", ["--data", "sample", "--epochs", "200", "--hidden", "20", "--k", "1", "--chains", "4", "--samples", "2",
                "--plot-every", "5"], "Training epoch 1, cost"),
])
def test_ctrl_c_in_the_dA_and_rbm_apps_stops_cleanly_and_still_writes(tmp_path, app, flags, started):
    import signal

    out = tmp_path / "int"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "apps", app), *flags, "--out", str(out), "--verbose", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith(started):
            proc.send_signal(signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert "Interrupted by user" in "".join(lines) + rest and "KeyboardInterrupt" not in err
    assert os.path.exists(out / "result.json")


def result_of(out):
    return json.load(open(out / "result.json"))


def tiny_music_corpus(tmp_path):
    """A paper-format pickle (MIDI notes per frame) of 6/3/3 JSB chorales cut to 40 frames, and its dict."""
    import pickle

    from keras_dlt.datasets import load_piano_rolls

    jsb = load_piano_rolls()
    notes = {split: [[[int(n) + 21 for n in np.nonzero(frame)[0]] for frame in roll[:40]] for roll in jsb[split][:k]]
             for split, k in (("train", 6), ("valid", 3), ("test", 3))}
    corpus = tmp_path / "tiny.pickle"
    corpus.write_bytes(pickle.dumps(notes))
    return corpus, notes


def test_rnnrbm_evaluate_reports_the_baselines_and_a_threshold_chosen_on_validation(tmp_path):
    corpus, notes = tiny_music_corpus(tmp_path)
    out = tmp_path / "eval"
    stdout = run_app("rnnrbm.py", "--data", str(corpus), "--epochs", "2", "--hidden", "10", "--recurrent", "8",
                     "--frames", "10", "--evaluate", "--ais-runs", "5", "--ais-betas", "20", "--out", str(out),
                     "--verbose", "0", "--predict-steps", "40")
    assert "the threshold chosen on 3 validation sequences" in stdout
    assert (result_of(out)["prediction_steps"], result_of(out)["burn_in"], result_of(out)["prediction_chains"]) == (
        40, 10, 4)
    assert f"at threshold {result_of(out)['threshold']}, validation {result_of(out)['valid_frame_accuracy']:.2%}" in stdout
    result = json.load(open(out / "result.json"))
    assert 0 < result["threshold"] < 1 and "test_frame_accuracy_repeat_previous_frame" in result
    assert f"repeat the previous frame {result['test_frame_accuracy_repeat_previous_frame']:.2%}" in stdout


def test_rnnrbm_paper_recipe_on_a_paper_format_pickle_end_to_end(tmp_path):
    """One command: pretraining, early stopping on validation, generation with its statistics, evaluation."""
    corpus, notes = tiny_music_corpus(tmp_path)
    out = tmp_path / "paper"
    stdout = run_app("rnnrbm.py", "--data", str(corpus), "--recipe", "paper", "--epochs", "4", "--patience", "2",
                     "--hidden", "10", "--recurrent", "8", "--frames", "10", "--evaluate", "--ais-runs", "5",
                     "--ais-betas", "20", "--out", str(out), "--verbose", "0", "--predict-steps", "40")
    assert "recipe paper" in stdout and "the RNN pretrained as a next-frame predictor" in stdout
    assert "the RBM pretrained on all frames" not in stdout  # off in the paper recipe (keras_dlt.training.music)
    assert "... kept epoch " in stdout or "... kept the start" in stdout
    result = json.load(open(out / "result.json"))
    # The RNN the model started from, scored beside it on the same test frames (what the RBM adds).
    assert 0 <= result["training"]["rnn_valid_frame_accuracy"] <= 1
    assert f"the pretrained RNN alone {result['test_frame_accuracy_pretrained_rnn']:.2%}" in stdout
    assert result["generate_k"] == 200  # the paper recipe's sharper RBM: longer generation chains
    training = result["training"]
    assert training["recipe"]["name"] == "paper" and training["recipe"]["epochs"] == 4
    assert len(training["history"]["val_frame_accuracy"]) == training["epochs_run"] <= 4
    accuracies = training["history"]["val_frame_accuracy"]
    assert training["best_epoch"] == int(np.argmax(accuracies)) + 1
    assert training["best_valid_frame_accuracy"] == max(accuracies)
    generated, data = result["statistics"]["generated"], result["statistics"]["training_data"]
    assert generated["frames"] == 20 and data["frames"] == sum(len(s) for s in notes["train"])
    assert "notes/frame" in stdout and "training_data" in stdout
    assert f"validation frame accuracy {training['history']['val_frame_accuracy'][0]:.2%}" in stdout
    assert result["test_log_likelihood_standard_error"] > 0
    bad = subprocess.run([sys.executable, os.path.join(ROOT, "apps", "rnnrbm.py"), "--recipe", "fast"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "'fast'" in bad.stderr
