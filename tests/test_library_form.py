"""The package as users build on it (issue 24): one flag vocabulary, logs that reach TensorBoard, progress bars
that no line is printed onto, tf.data for the long pretrainings, legible pictures."""

import glob
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from keras_dlt.cli import TUTORIALS, _load_app

#: The apps that train with Keras' fit, and so share the training vocabulary (hmc samples and trains nothing).
TRAINING_APPS = [name for name in TUTORIALS if name != "hmc"]
SHARED = ("--data", "--epochs", "--batch-size", "--learning-rate", "--out", "--seed", "--verbose", "--tensorboard",
          "--strategy", "--cpu-replicas", "--precision")


def options(app):
    return {s for a in _load_app(TUTORIALS[app][0]).parser()._actions for s in a.option_strings}


def test_every_tutorials_help_and_flag_errors_answer_without_tensorflow():
    # Each subcommand's parser is built and its help written in a process that never loads TensorFlow; one
    # subcommand through the installed entry point, timed.
    code = ("import sys; from keras_dlt.cli import TUTORIALS, _load_app\n"
            "for m, _ in TUTORIALS.values(): _load_app(m).parser().format_help()\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('tensorflow', 'keras')))")
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]
    import time

    start = time.perf_counter()
    help_ = subprocess.run([sys.executable, "-m", "keras_dlt.cli", "network3", "--help"], capture_output=True,
                           text=True, env=env, cwd=ROOT, timeout=120)
    assert help_.returncode == 0 and "--mini-batch-size" in help_.stdout
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("app", TRAINING_APPS)
def test_every_training_app_takes_the_shared_flags(app):
    missing = set(SHARED) - options(app)
    assert not missing, f"{app} lacks {sorted(missing)}"


def test_one_name_one_meaning_and_the_tutorials_own_words_as_aliases():
    def parse(app, *argv):
        return _load_app(TUTORIALS[app][0]).parser().parse_args(list(argv))

    # network3: Nielsen's names are aliases of the shared ones.
    nielsen, shared = parse("network3", "--mini-batch-size", "20", "--eta", "0.5", "--lmbda", "0.1", "--no-shuffle"), \
        parse("network3", "--batch-size", "20", "--learning-rate", "0.5", "--l2", "0.1", "--no-shuffle")
    assert vars(nielsen) == vars(shared) and shared.shuffle is False
    # Sampling: --samples is kept samples per chain, --leapfrog-steps the leapfrog steps, in every app that has them.
    assert vars(parse("hmc", "--draws", "7", "--n-steps", "3", "--no-jit")) == \
        vars(parse("hmc", "--samples", "7", "--leapfrog-steps", "3", "--jit-compile", "off"))
    assert {"--samples", "--chains"} <= options("rbm") and "--n-steps" not in options("rbm")
    assert "--frames" in options("rnnrbm") and "--samples" not in options("ebm")
    # --shuffle / --no-shuffle wherever minibatches can be reordered.
    for app in ("logistic", "mlp", "lenet", "sda", "dbn", "network3"):
        assert {"--shuffle", "--no-shuffle"} <= options(app), app
    # ebm's --data takes MNIST sources as every MNIST app's does.
    assert parse("ebm", "--data", "sample").data == "sample" and parse("ebm").data == "mixture"


def test_an_apps_tensorboard_log_holds_the_validation_and_test_error(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    app = _load_app("logistic_sgd")
    app.main(["--data", "sample", "--epochs", "2", "--out", str(tmp_path / "run"), "--tensorboard",
              str(tmp_path / "tb"), "--no-export", "--verbose", "0"])

    def scalars(folder):
        (events,) = glob.glob(str(tmp_path / "tb" / "training" / folder / "events.out.tfevents.*"))
        acc = EventAccumulator(events, size_guidance={"tensors": 0})
        acc.Reload()
        return {tag: [float(np.asarray(__import__("tensorflow").make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]
                for tag in acc.Tags()["tensors"]}

    train, valid = scalars("train"), scalars("validation")
    assert len(valid["epoch_error"]) == 2 and all(0 < e < 1 for e in valid["epoch_error"])  # val_error
    assert len(train["epoch_test_error"]) == 2 and len(train["epoch_loss"]) == 2
    import json

    result = json.load(open(tmp_path / "run" / "result.json"))
    assert train["epoch_best_val_error"][-1] == pytest.approx(result["best_validation_error"], rel=1e-6)


def test_tensorboard_missing_is_a_clear_error(monkeypatch):
    import importlib.util

    from keras_dlt.training import tensorboard_callback

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    with pytest.raises(ValueError, match=r"tensorboard package is not installed; pip install"):
        tensorboard_callback("logs")


def test_no_line_is_printed_onto_a_progress_bar(small, capfd):
    import keras

    from keras_dlt.models import DenoisingAutoencoder
    from keras_dlt.training import CostLog, run_callbacks

    dae = DenoisingAutoencoder(n_hidden=16, corruption_level=0.3, seed=1)
    dae.compile(optimizer=keras.optimizers.SGD(0.1))
    capfd.readouterr()
    dae.fit(small[0][0], batch_size=20, epochs=2, verbose=1, callbacks=run_callbacks([CostLog()]))
    lines = capfd.readouterr().out.replace("\r", "\n").splitlines()
    cost_lines = [line for line in lines if "Training epoch" in line]
    assert len(cost_lines) == 2 and all(line.startswith("Training epoch") for line in cost_lines), lines


def test_sda_pretraining_reads_a_tf_data_dataset_with_keras_progress(small, capfd):
    import tensorflow as tf

    from keras_dlt.models import StackedDenoisingAutoencoder

    x = small[0][0]
    sda = StackedDenoisingAutoencoder([32, 16], corruption_levels=[0.1, 0.2], seed=3)
    ds = tf.data.Dataset.from_tensor_slices((x, small[0][1])).batch(20)  # (x, y) pairs: x is used
    capfd.readouterr()
    costs = sda.pretrain(ds, epochs=2, learning_rate=0.1, verbose=1)
    out = capfd.readouterr().out
    assert len(costs) == 2 and all(len(c) == 2 and np.all(np.isfinite(c)) and c[1] < c[0] for c in costs)
    assert "20/20" in out  # Keras' progress bar: 400 digits in 20 minibatches
    assert [line for line in out.replace("\r", "\n").splitlines() if "Pre-training layer" in line] == [
        line for line in out.replace("\r", "\n").splitlines() if line.startswith("Pre-training layer")]
    with pytest.raises(ValueError, match="batched already; give no batch_size"):
        sda.pretrain(ds, epochs=1, batch_size=20)
    with pytest.raises(ValueError, match="have 100 features per example"):
        sda.pretrain(tf.data.Dataset.from_tensor_slices(x[:, :100]).batch(20), epochs=1)
    with pytest.raises(ValueError, match=r"minibatches \[batch, features\]"):
        sda.pretrain(tf.data.Dataset.from_tensor_slices(x[0]), epochs=1)
    with pytest.raises(Exception, match=r"dataset values must be in \[0, 1\]"):
        sda.pretrain(tf.data.Dataset.from_tensor_slices(x * 3).batch(20), epochs=1, verbose=0)


def test_dbn_pretraining_through_the_training_layer_on_a_dataset(small):
    import tensorflow as tf

    from keras_dlt.models import DBN
    from keras_dlt.training import pretrain_stack

    dbn = DBN([24], seed=2)
    result = pretrain_stack(dbn, tf.data.Dataset.from_tensor_slices(small[0][0]).batch(40), epochs=2,
                            batch_size=None, learning_rate=0.05, verbose=0)
    assert len(result.costs) == 1 and len(result.costs[0]) == 2


def test_tiled_sheets_are_legible_and_plots_leave_pyplot_alone(tmp_path, rng):
    from PIL import Image

    from keras_dlt.plotting import (MIN_TILE_PIXELS, save_piano_roll_png, save_scatter_png, save_tiled_png,
                                    save_traces_png, save_training_curves_png)

    # LeNet's 20 filters of 5x5: each drawn >= 40 px across, with a title above the sheet.
    bare = Image.open(save_tiled_png(rng.random((20, 25)), tmp_path / "f.png", (5, 5)))
    titled = Image.open(save_tiled_png(rng.random((20, 25)), tmp_path / "t.png", (5, 5), title="LeNet filters"))
    scale = int(np.ceil(MIN_TILE_PIXELS / 5))
    assert bare.size == ((5 * 6 - 1) * scale, (4 * 6 - 1) * scale)
    assert titled.size[1] >= bare.size[1] + 20 and titled.size[0] >= bare.size[0]
    with pytest.raises(ValueError, match="3 row labels for 4 rows"):
        save_tiled_png(rng.random((20, 25)), tmp_path / "x.png", (5, 5), row_labels=["a", "b", "c"])
    save_traces_png(rng.normal(size=(50, 3, 2)), tmp_path / "tr.png", targets=[0, 0], step_size=np.ones(50),
                    acceptance=np.full(50, 0.9))
    save_scatter_png([rng.normal(size=(40, 2))] * 2, tmp_path / "s.png", titles=["data", "samples"])
    save_training_curves_png({"val_accuracy": [0.5, 0.6]}, tmp_path / "c.png")
    save_piano_roll_png(rng.random((30, 88)) < 0.1, tmp_path / "r.png")
    for name in ("tr", "s", "c", "r"):
        pixels = np.asarray(Image.open(tmp_path / f"{name}.png").convert("L"))
        assert pixels.min() < 80 and pixels.max() > 200  # drawn: text and lines on white
    # matplotlib's object API: pyplot (and with it the user's backend) is never loaded by our plots.
    code = ("import sys, numpy as np; from keras_dlt.plotting import save_traces_png; "
            f"save_traces_png(np.zeros((5, 2, 1)), {str(tmp_path / 'p.png')!r}); print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.stdout.strip() == "False", out.stderr[-2000:]
