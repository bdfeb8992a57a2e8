"""The models train under MirroredStrategy over two logical CPU devices with the
same loss trajectory as on one device."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import numpy as np
from keras_dlt.datasets import load_mnist
from keras_dlt.models import MLP, LeNet, LogisticRegression

(x, y), _, _ = load_mnist("sample")
x, y = x[:480], y[:480]
factories = {
    "LogisticRegression": lambda: LogisticRegression(),
    "MLP": lambda: MLP(hidden_units=(32,), seed=0),
    "LeNet": lambda: LeNet(nkerns=(4, 6), n_hidden=16, seed=0),
    # Unseeded: built symbolically under the strategy, their initializers must not need Keras' global SeedGenerator.
    "MLP, unseeded": lambda: MLP(hidden_units=(32,)),
    "LeNet, unseeded": lambda: LeNet(nkerns=(4, 6), n_hidden=16),
}

class StepLosses(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.losses = []
    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))

def train(strategy, name):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = factories[name]()
        model.compile(optimizer=keras.optimizers.SGD(0.05))
    rec = StepLosses()
    model.fit(x, y, batch_size=40, epochs=2, shuffle=False, verbose=0, callbacks=[rec])
    return rec.losses, [w.tolist() for w in model.get_weights()[:1]]

# One strategy for the whole process (several would reuse collective keys).
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
out = {"replicas": mirrored.num_replicas_in_sync}
for name in factories:
    one = train(tf.distribute.OneDeviceStrategy("/cpu:0"), name)
    two = train(mirrored, name)
    out[name] = {"one": one[0], "two": two[0],
                 "max_weight_diff": float(np.max(np.abs(np.array(one[1][0]) - np.array(two[1][0]))))}
print(json.dumps(out))
"""


def test_mirrored_strategy_matches_one_device():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["replicas"] == 2
    for name in ("LogisticRegression", "MLP", "LeNet", "MLP, unseeded", "LeNet, unseeded"):
        one, two = out[name]["one"], out[name]["two"]
        assert len(one) == len(two) == 24  # 12 steps x 2 epochs
        assert one[-1] < one[0]  # it learns
        for a, b in zip(one, two):
            assert abs(a - b) <= 1e-4 * max(1.0, abs(a)), (name, one, two)
        assert out[name]["max_weight_diff"] < 1e-4, name
