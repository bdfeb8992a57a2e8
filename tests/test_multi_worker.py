"""Several workers (issue 23): two worker processes on 127.0.0.1 (free ports, bounded in time, always reaped)
train the MLP, the dA, the PCD RBM and a network3 network (`fit_multi_worker`, or the models' own `fit`) to
identical weights, equal to a 2-replica MirroredStrategy run; the apps take `--strategy multi-worker`."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMMON = r"""
import json, os, sys
import tensorflow as tf
mode = sys.argv[1]
if mode == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
else:
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
import keras
import numpy as np
from keras_dlt.datasets import load_mnist
from keras_dlt.core import minibatches
from keras_dlt.models import MLP, RBM, DenoisingAutoencoder
from keras_dlt.models.network3 import FullyConnectedLayer, Network, SoftmaxLayer
from keras_dlt.training import fit_multi_worker, is_chief

(x, y), _, _ = load_mnist("sample")
x, y = x[:400], y[:400]
out = {"chief": is_chief(strategy), "replicas": strategy.num_replicas_in_sync}
for name, make, labels, key in (("MLP", lambda: MLP(hidden_units=(16,), seed=0), y, "loss"),
                                ("dA", lambda: DenoisingAutoencoder(n_hidden=16, corruption_level=0.3, seed=1), None,
                                 "loss"),
                                ("PCD", lambda: RBM(n_hidden=8, k=1, persistent=True, n_chains=20, seed=2), None,
                                 "pseudo_likelihood")):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = make()
        model.compile(optimizer=keras.optimizers.SGD(0.1))
    if mode == "mirrored" or name == "dA":  # the model's own fit: Keras', or under several workers the loop
        history = model.fit(minibatches(x, labels, 20), epochs=2, shuffle=False, verbose=0)
    else:
        history = fit_multi_worker(model, x, labels, batch_size=20, epochs=2)
    out[name] = {"loss": history.history[key], "weights": [float(np.sum(w)) for w in model.get_weights()]}
keras.utils.set_random_seed(0)
with strategy.scope():  # network3's Network.SGD: fit with validation data (the model's test_step on every worker)
    net = Network([FullyConnectedLayer(784, 16), SoftmaxLayer(16, 10)], 20)
history = net.SGD((x, y), 2, 20, 0.1, validation_data=(x[:100], y[:100]), test_data=(x[:100], y[:100]), verbose=0,
                  shuffle=False)
out["network3"] = {"loss": history.history["val_accuracy"], "weights": [float(np.sum(w)) for w in net.get_weights()]}
print(json.dumps(out))
"""


RESUME = r"""
import json, os, sys
import tensorflow as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()
import keras
import numpy as np
from keras_dlt.datasets import load_mnist
from keras_dlt.models import MLP
from keras_dlt.training import fit_multi_worker

(x, y), _, _ = load_mnist("sample")
backup, kill_at = sys.argv[2], int(sys.argv[3])


class Kill(keras.callbacks.Callback):  # a kill (no clean-up) as epoch `kill_at` begins, after the backup
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == kill_at:
            os._exit(3)


keras.utils.set_random_seed(0)
with strategy.scope():
    model = MLP(hidden_units=(16,), seed=0)  # deterministic: the resumed run must end where the whole one does
    model.compile(optimizer=keras.optimizers.SGD(0.1))
history = fit_multi_worker(model, x[:400], y[:400], batch_size=20, epochs=4, callbacks=[Kill()], backup_dir=backup)
print(json.dumps({"epochs": len(history.history["loss"]), "backup_left": sorted(os.listdir(backup))
                  if os.path.isdir(backup) else None,
                  "weights": [float(np.sum(w)) for w in model.get_weights()]}))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(mode, env_extra=None, n=1, script=COMMON, args=(), expect=0):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = []
    if mode == "workers":
        cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(n)]}
        envs = [dict(env, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
                for i in range(n)]
    else:
        envs = [env]
    try:
        for e in envs:
            procs.append(subprocess.Popen([sys.executable, "-c", script, mode, *args], env=e,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outs = []
        for p in procs:
            stdout, stderr = p.communicate(timeout=400)
            assert p.returncode == expect, stderr[-3000:]
            outs.append(json.loads(stdout.strip().splitlines()[-1]) if expect == 0 else None)
        return outs
    finally:
        for p in procs:  # always reaped, whatever happened
            if p.poll() is None:
                p.kill()
                p.communicate()


@pytest.fixture(scope="module")
def results():
    return run("workers", n=2), run("mirrored")[0]


def test_both_workers_end_with_identical_weights(results):
    (first, second), _ = results
    assert (first["chief"], second["chief"]) == (True, False) and first["replicas"] == 2
    for name in ("MLP", "dA", "PCD", "network3"):
        assert first[name] == second[name], name


@pytest.mark.parametrize("name", ["MLP", "dA", "PCD", "network3"])
def test_two_workers_take_a_two_replica_mirrored_runs_steps(results, name):
    (worker, _), mirrored = results
    np.testing.assert_allclose(worker[name]["loss"], mirrored[name]["loss"], rtol=1e-4)
    np.testing.assert_allclose(worker[name]["weights"], mirrored[name]["weights"], rtol=1e-4, atol=1e-3)


def test_workers_killed_mid_run_go_on_from_the_chiefs_backup_to_the_same_end(tmp_path):
    backup = str(tmp_path / "backup")
    run("workers", n=2, script=RESUME, args=(backup, "2"), expect=3)  # both killed as epoch 3 begins
    assert os.path.exists(os.path.join(backup, "training_metadata.json"))  # the chief's backup, 2 epochs
    resumed = run("workers", n=2, script=RESUME, args=(backup, "-1"))
    whole = run("workers", n=2, script=RESUME, args=(str(tmp_path / "whole"), "-1"))
    assert resumed[0]["weights"] == resumed[1]["weights"]
    np.testing.assert_allclose(resumed[0]["weights"], whole[0]["weights"], rtol=1e-5, atol=1e-5)
    assert resumed[0]["epochs"] == 2 and whole[0]["epochs"] == 4  # the resumed run trained epochs 3 and 4
    assert resumed[0]["backup_left"] in (None, []) and whole[0]["backup_left"] in (None, [])  # deleted when done


def run_app(app, flags, mode, tmp):
    """`apps/<app>.py flags` as two workers (TF_CONFIG, a private TMPDIR) or one 2-replica mirrored process: the
    processes' exit statuses and the result.json it wrote."""
    out = os.path.join(tmp, f"{app}_{mode}")
    temp = os.path.join(tmp, f"tmp_{app}_{mode}")
    os.makedirs(temp)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), TMPDIR=temp)
    extra = ["--strategy", "mirrored", "--cpu-replicas", "2"] if mode == "mirrored" else ["--strategy", "multi-worker"]
    cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(2)]}
    envs = [env] if mode == "mirrored" else [
        dict(env, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})) for i in range(2)]
    procs = []
    try:
        for e in envs:
            procs.append(subprocess.Popen([sys.executable, os.path.join(ROOT, "apps", f"{app}.py"), *flags, *extra,
                                           "--out", out, "--verbose", "0"], env=e, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        for p in procs:
            _, stderr = p.communicate(timeout=400)
            assert p.returncode == 0, stderr[-3000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    leftovers = [n for n in os.listdir(temp) if n.startswith("keras_dlt_worker")]
    assert not leftovers, leftovers  # the second worker's private folder is gone
    with open(os.path.join(out, "result.json")) as f:
        return json.load(f), sorted(os.listdir(out))


@pytest.mark.parametrize("app,flags,keys", [
    ("mlp", ["--data", "sample", "--epochs", "2", "--batch-size", "100", "--hidden", "16", "--patience", "100",
             "--no-export"],
     ("best_validation_error", "test_error")),
    ("rbm", ["--data", "sample", "--epochs", "1", "--hidden", "16", "--k", "1", "--chains", "4", "--samples", "1",
             "--plot-every", "5"], ("costs",)),
])
def test_apps_take_strategy_multi_worker(tmp_path, app, flags, keys):
    """`--strategy multi-worker` (TF_CONFIG from the environment): the first worker writes OUT, the other nothing
    that stays; the run's numbers are a 2-replica mirrored run's (the MLP: deterministic; the PCD RBM: the same
    per-replica random streams and chain shards)."""
    (workers, files), (mirrored, _) = (run_app(app, flags, mode, str(tmp_path)) for mode in ("workers", "mirrored"))
    assert "result.json" in files and "backup" not in files  # the chief's backup was discarded once the run ended
    for key in keys:
        np.testing.assert_allclose(workers[key], mirrored[key], rtol=1e-4, atol=1e-6)


ONE_WORKER = r"""
import json, sys, warnings
import tensorflow as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()  # no TF_CONFIG: a cluster of this process alone
import keras
import numpy as np
from keras_dlt.datasets import load_mnist
from keras_dlt.models import MLP

(x, y), _, _ = load_mnist("sample")
x, y = x[:405], y[:405]
with strategy.scope():
    model = MLP(hidden_units=(8,), seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
out = {}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = model.fit(x, y, batch_size=20, epochs=1, shuffle=False, verbose=0, validation_data=(x[:100], y[:100]))
out["left_out"] = [str(w.message) for w in caught if "left out" in str(w.message)]
out["logs"] = sorted(history.history)
out["evaluate"] = model.evaluate(x[:100], y[:100], batch_size=20, verbose=0)
out["evaluate_dict"] = sorted(model.evaluate(x[:100], y[:100], batch_size=20, verbose=0, return_dict=True))
for name, call in (("class_weight", lambda: model.fit(x, y, batch_size=20, class_weight={0: 2.0}, verbose=0)),
                   ("repeat", lambda: model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(20).repeat(),
                                                verbose=0))):
    try:
        call()
        out[name] = None
    except ValueError as err:
        out[name] = str(err)
print(json.dumps(out))
"""


def test_the_loop_takes_fits_arguments_and_names_what_it_does_not():
    """The models' own fit/evaluate under MultiWorkerMirroredStrategy (one process): validation logs, evaluate's
    list and dict, a warning for a ragged rest, clear errors for what the loop does not implement."""
    out = run("one", script=ONE_WORKER)[0]
    assert out["left_out"] == ["multi_worker_fit: x: 5 of 405 examples are left out (only whole global batches of 20 "
                               "are split over the workers)"]
    assert out["logs"] == ["error", "loss", "val_error", "val_loss"]
    assert isinstance(out["evaluate"], list) and len(out["evaluate"]) == 2 and out["evaluate_dict"] == ["error", "loss"]
    assert "does not take ['class_weight']" in out["class_weight"]
    assert "repeats forever" in out["repeat"]


def test_the_rnnrbm_paper_recipe_trains_on_two_workers(tmp_path):
    """The paper recipe's RNN pretraining (a Keras model of its own, trained with sample weights that mask the
    padding) runs on two workers as the RNN-RBM does: through the package's multi-worker loop, not Keras' fit."""
    from test_apps import tiny_music_corpus

    corpus, _ = tiny_music_corpus(tmp_path)
    flags = ["--data", str(corpus), "--recipe", "paper", "--epochs", "1", "--patience", "2", "--hidden", "10",
             "--recurrent", "8", "--frames", "10", "--predict-steps", "20"]
    result, files = run_app("rnnrbm", flags, "workers", str(tmp_path))
    assert "result.json" in files and "backup" not in files
    training = result["training"]
    assert training["epochs_run"] == 1 and 0 < training["rnn_valid_frame_accuracy"] <= 1
    assert training["best_epoch"] in (0, 1)
