"""The models this package exists for under MirroredStrategy over two logical CPU devices (issue 23): the same
step as one device where it is deterministic, each replica its own random stream, persistent chains kept whole
(one variable, each replica moving its share), the same gradient estimator where it is stochastic."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import json, os, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import numpy as np
from keras_dlt.datasets import gaussian_mixture, load_mnist
from keras_dlt.models import (DBN, RBM, DenoisingAutoencoder, EnergyModel, GaussianBernoulliRBM, RnnRbm,
                              StackedDenoisingAutoencoder)

(x, y), _, _ = load_mnist("sample")
x, y = x[:400], y[:400]
tmp = sys.argv[1]
one = tf.distribute.OneDeviceStrategy("/cpu:0")
two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])  # one strategy per process
out = {"replicas": two.num_replicas_in_sync}


class StepLosses(keras.callbacks.Callback):
    def __init__(self, key="loss"):
        super().__init__()
        self.key, self.losses = key, []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs[self.key]))


def copies_equal(variable):
    local = [v.numpy() for v in two.experimental_local_results(getattr(variable, "value", variable))]  # tf's
    return len(local) == 2 and bool(np.array_equal(local[0], local[1]))


def fit(strategy, make, data, key="loss", **kw):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = make()
        model.compile(optimizer=keras.optimizers.SGD(kw.pop("lr", 0.1)))
    rec = StepLosses(key)
    model.fit(data, batch_size=kw.pop("batch_size", 20), epochs=kw.pop("epochs", 1), shuffle=False, verbose=0,
              callbacks=[rec], **kw)
    return model, rec.losses

# 1. The dA without corruption is deterministic: the same losses and weights as one device.
make = lambda: DenoisingAutoencoder(n_hidden=16, corruption_level=0.0, seed=1)
(m1, l1), (m2, l2) = fit(one, make, x), fit(two, make, x)
out["dA"] = {"one": l1, "two": l2, "weight_diff": float(np.abs(m1.get_weights()[0] - m2.get_weights()[0]).max()),
             "mirrored": copies_equal(m2.autoencoder.encoder.kernel)}
# 2. With corruption each replica draws its own mask.
with two.scope():
    noisy = DenoisingAutoencoder(n_hidden=16, corruption_level=0.5, seed=1)
    noisy.build((None, 784))
masks = two.run(tf.function(lambda: noisy.autoencoder.corrupt(tf.ones((4, 784)))))
a, b = (t.numpy() for t in two.experimental_local_results(masks))
out["dA_masks_differ"] = bool((a != b).mean() > 0.3)

# 3. CD-1's gradient estimator: 200 small steps from the same start move the weights by the same expected amount.
def rbm_change(strategy):
    make = lambda: RBM(n_hidden=8, k=1, persistent=False, seed=5)
    model, _ = fit(strategy, make, x, key="reconstruction_cost", lr=0.002, epochs=10)
    with strategy.scope():
        start = make(); start.build((None, 784))
    return model.rbm.kernel.numpy() - start.rbm.kernel.numpy()
d1, d2 = rbm_change(one), rbm_change(two)
out["rbm_cd"] = {"relative_diff": float(np.linalg.norm(d2 - d1) / np.linalg.norm(d1)),
                 "norm_ratio": float(np.linalg.norm(d2) / np.linalg.norm(d1))}

# 4. PCD: 20 chains, 10 per replica; one mirrored variable; saved and loaded whole.
model, losses = fit(two, lambda: RBM(n_hidden=8, k=1, persistent=True, seed=2, n_chains=20), x,
                    key="pseudo_likelihood")
model.save(os.path.join(tmp, "pcd.keras"))
loaded = keras.saving.load_model(os.path.join(tmp, "pcd.keras"))
out["pcd"] = {"mirrored": copies_equal(model.persistent_chain), "shape": list(model.persistent_chain.shape),
              "finite": bool(np.all(np.isfinite(losses))),
              "loaded_equal": bool(np.array_equal(loaded.persistent_chain.numpy(), model.persistent_chain.numpy())),
              "chain_rows_differ": bool(np.any(model.persistent_chain.numpy()[:10] != model.persistent_chain.numpy()[10:]))}
try:
    fit(two, lambda: RBM(n_hidden=8, k=1, persistent=True, seed=2, n_chains=15), x, key="pseudo_likelihood")
except ValueError as err:
    out["pcd_odd_chains"] = str(err)

# 5. Energy models: chains and the adapted step size stay one, mirrored.
mixture = gaussian_mixture(400, seed=0)
net = lambda: keras.Sequential([keras.layers.Dense(16, activation="softplus"), keras.layers.Dense(1)])
for name, make, data in (("EnergyModel", lambda: EnergyModel(net(), n_chains=40, seed=1), mixture),
                         ("GaussianBernoulliRBM", lambda: GaussianBernoulliRBM(8, n_chains=40, seed=1),
                          np.random.default_rng(0).normal(size=(400, 5)).astype("float32"))):
    model, losses = fit(two, make, data, lr=0.01)
    model.save(os.path.join(tmp, f"{name}.keras"))
    out[name] = {"finite": bool(np.all(np.isfinite(losses))), "chains": copies_equal(model.chains),
                 "step_size": copies_equal(model.step_size), "n_chains": int(model.chains.shape[0]),
                 "loaded": bool(np.array_equal(keras.saving.load_model(os.path.join(tmp, f"{name}.keras")).chains.numpy(),
                                               model.chains.numpy()))}

# 6. The RNN-RBM: one chunk per replica per step.
rng = np.random.default_rng(0)
seqs = [(rng.random((n, 12)) < 0.2).astype("float32") for n in (30, 17, 45, 22)]
with two.scope():
    rnn = RnnRbm(8, 6, n_visible=12, k=1, seed=1)
    rnn.compile()
history = rnn.fit(seqs, epochs=2, verbose=0)
out["RnnRbm"] = {"finite": bool(np.all(np.isfinite(history.history["pseudo_log_likelihood"]))),
                 "mirrored": copies_equal(rnn.W)}

# 7. The stacks: pretraining (deterministic with no corruption) and fine-tuning as on one device.
def stack(strategy, make):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        s = make()
    costs = s.pretrain(x, epochs=1, batch_size=20, learning_rate=0.1, verbose=0)
    with strategy.scope():
        s.compile(optimizer=keras.optimizers.SGD(0.1))
    h = s.fit(x, y, batch_size=20, epochs=1, shuffle=False, verbose=0)
    return costs, h.history["loss"]
make = lambda: StackedDenoisingAutoencoder([16, 8], corruption_levels=[0.0, 0.0], seed=1)
out["SdA"] = {"one": stack(one, make), "two": stack(two, make)}
out["DBN"] = {"finite": bool(np.all(np.isfinite(np.concatenate(stack(two, lambda: DBN([16, 8], seed=1))[0]))))}

# 8. The speed policy's XLA ("auto": on for dense stacks at batch <= 10, measured on one device) is off under
# replicas: XLA cannot compile a step whose mirrored variables sit on several CPU devices (the DBN app failed so).
from keras_dlt.training import jit_compile_for
with one.scope():
    alone = DBN([16], seed=1)
with two.scope():
    dbn = DBN([16], seed=1)
    dbn.compile(optimizer=keras.optimizers.SGD(0.1), jit_compile=jit_compile_for(dbn, 10))
h = dbn.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0)
out["xla_auto"] = {"one": jit_compile_for(alone, 10), "two": jit_compile_for(dbn, 10),
                   "asked": jit_compile_for(dbn, 10, "on"), "finite": bool(np.isfinite(h.history["loss"][0]))}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path_factory.mktemp("dist"))], capture_output=True,
                          text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def close(a, b, tol=1e-4):
    return len(a) == len(b) and all(abs(p - q) <= tol * max(1.0, abs(p)) for p, q in zip(a, b))


def test_a_deterministic_dA_takes_one_devices_steps(out):
    assert out["replicas"] == 2
    d = out["dA"]
    assert len(d["one"]) == 20 and d["one"][-1] < d["one"][0] and close(d["one"], d["two"]), d
    assert d["weight_diff"] < 1e-5 and d["mirrored"]


def test_each_replica_draws_its_own_noise(out):
    assert out["dA_masks_differ"]


def test_cd_gradient_is_one_devices_estimator(out):
    # Summed replica gradients not divided by 2 would move the weights twice as far (norm ratio 2).
    assert 0.85 < out["rbm_cd"]["norm_ratio"] < 1.15 and out["rbm_cd"]["relative_diff"] < 0.25, out["rbm_cd"]


def test_pcd_chains_stay_one_mirrored_variable_split_over_replicas(out):
    p = out["pcd"]
    assert p == {"mirrored": True, "shape": [20, 8], "finite": True, "loaded_equal": True, "chain_rows_differ": True}
    assert "n_chains=15 must be a multiple of the 2 replicas" in out["pcd_odd_chains"]


@pytest.mark.parametrize("name", ["EnergyModel", "GaussianBernoulliRBM"])
def test_energy_models_keep_one_set_of_chains_and_one_step_size(out, name):
    assert out[name] == {"finite": True, "chains": True, "step_size": True, "n_chains": 40, "loaded": True}


def test_rnn_rbm_trains_one_chunk_per_replica(out):
    assert out["RnnRbm"] == {"finite": True, "mirrored": True}


def test_stacks_pretrain_and_fine_tune_as_on_one_device(out):
    (pre1, fine1), (pre2, fine2) = out["SdA"]["one"], out["SdA"]["two"]
    assert all(close(a, b) for a, b in zip(pre1, pre2)) and close(fine1, fine2), out["SdA"]
    assert out["DBN"]["finite"]
    assert out["xla_auto"] == {"one": True, "two": False, "asked": True, "finite": True}


def test_an_app_mirrored_over_two_cpu_devices_gives_one_devices_numbers(tmp_path):
    import json as json_

    from keras_dlt.cli import _load_app

    flags = ["--data", "sample", "--epochs", "1", "--hidden", "16", "--no-export", "--verbose", "0"]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "apps", "mlp.py"), *flags, "--strategy", "mirrored",
                           "--cpu-replicas", "2", "--out", str(tmp_path / "two")], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    one = _load_app("mlp").main(flags + ["--out", str(tmp_path / "one")])
    two = json_.load(open(tmp_path / "two" / "result.json"))
    assert (two["best_validation_error"], two["test_error"]) == (one["best_validation_error"], one["test_error"])


def test_strategy_choices_and_their_errors():
    from keras_dlt import flags
    from keras_dlt.training import STRATEGIES, make_strategy

    parsed = flags.parser("x", learning_rate=0.1, epochs=1, batch_size=1, out="o")
    assert tuple(next(a for a in parsed._actions if a.dest == "strategy").choices) == STRATEGIES == (
        "one-device", "mirrored", "multi-worker")
    with pytest.raises(SystemExit):
        parsed.parse_args(["--strategy", "two-devices"])
    with pytest.raises(ValueError, match="cpu_replicas .* goes with the mirrored strategy"):
        make_strategy("one-device", cpu_replicas=2)
    with pytest.raises(ValueError, match="strategy must be one of"):
        make_strategy("two-devices")
    for bad in ("{not json", '{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 3}}',
                '{"task": {"type": "worker", "index": 0}}'):
        os.environ["TF_CONFIG"] = bad
        try:
            with pytest.raises(ValueError, match="TF_CONFIG must be JSON like"):
                make_strategy("multi-worker")
        finally:
            del os.environ["TF_CONFIG"]
    import tensorflow as tf

    tf.constant(1.0) + 1  # TensorFlow has run: its devices are set up
    with pytest.raises(ValueError, match="already set up its devices"):
        make_strategy("mirrored", cpu_replicas=2)
