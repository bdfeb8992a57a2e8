"""Step time on one device vs MirroredStrategy over 2 logical CPU devices, and float32 vs mixed precision on one
device, per model family (issue 23).

    python -m bench.speed.replicas            # about 6 minutes on 2 cores

Both on the same 2 cores, so this measures the overhead of the distributed
path (splitting each batch, all-reducing the gradients, gathering the
chains), not a speed-up. Each process times the second epoch, median of 3,
one step per compiled call in both (the multi-replica setting). The mixed
policies (`mixed_float16`, `mixed_bfloat16`) run on one device: on a CPU
without fast 16-bit matmuls they measure the casts' cost, not a GPU's gain.
"""

import json
import subprocess
import sys

SCRIPT = r"""
import json, sys, time
import tensorflow as tf
replicas, precision = int(sys.argv[1]), sys.argv[2]
if replicas > 1:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)
    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])
else:
    strategy = tf.distribute.get_strategy()
import keras
import numpy as np
keras.mixed_precision.set_global_policy(precision)
from bench.common import EpochTimer
from keras_dlt.datasets import gaussian_mixture, load_mnist, load_piano_rolls
from keras_dlt.models import MLP, RBM, DenoisingAutoencoder, EnergyModel, RnnRbm

(x, y), _, _ = load_mnist("sample")
x, y = x[:4000], y[:4000]
net = lambda: keras.Sequential([keras.layers.Dense(64, activation="softplus"), keras.layers.Dense(1)])
cases = {
    "MLP 784-500-10, batch 20": (lambda: MLP(seed=0), (x, y), dict(batch_size=20)),
    "dA 500 hidden, batch 20": (lambda: DenoisingAutoencoder(500, corruption_level=0.3, seed=0), (x,), dict(batch_size=20)),
    "RBM PCD-1 500 hidden, batch 20": (lambda: RBM(500, k=1, persistent=True, n_chains=20, seed=0), (x,), dict(batch_size=20)),
    "EnergyModel, 500 chains, batch 100": (lambda: EnergyModel(net(), n_chains=500, seed=0),
                                           (gaussian_mixture(4000, seed=0),), dict(batch_size=100)),
    "RnnRbm 150/100, CD-15, JSB": (lambda: RnnRbm(seed=0), (load_piano_rolls()["train"],), {}),
}
out = {}
for name, (make, data, kw) in cases.items():
    with strategy.scope():
        model = make()
        model.compile()
    times = []
    for _ in range(4):
        timer = EpochTimer()
        model.fit(*data, epochs=1, verbose=0, callbacks=[timer], **kw)
        times.append(timer.times[0])
    steps = (len(data[0]) // kw["batch_size"]) if kw else None
    out[name] = {"seconds": float(np.median(times[1:])), "steps": steps}
print(json.dumps(out))
"""


def main():
    runs = {}
    settings = ((1, "float32"), (2, "float32"), (1, "mixed_float16"), (1, "mixed_bfloat16"))
    for replicas, precision in settings:
        proc = subprocess.run([sys.executable, "-c", SCRIPT, str(replicas), precision], capture_output=True, text=True)
        if proc.returncode:
            sys.exit(proc.stderr[-3000:])
        runs[replicas, precision] = json.loads(proc.stdout.strip().splitlines()[-1])
    print("| model | one device, s/epoch | 2 replicas | 2 / 1 | mixed_float16 | / float32 | mixed_bfloat16 | / float32 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in runs[1, "float32"]:
        a = runs[1, "float32"][name]["seconds"]
        b, f16, bf16 = (runs[k][name]["seconds"] for k in settings[1:])
        print(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f}x | {f16:.2f} | {f16 / a:.2f}x | {bf16:.2f} | {bf16 / a:.2f}x |")


if __name__ == "__main__":
    main()
