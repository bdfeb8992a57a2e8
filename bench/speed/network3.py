"""network3 speed: seconds per epoch of the dropout preset, ours vs plain Keras, and the cost of expansion.

Ours: `keras_dlt.models.network3.preset("dropout")` trained by `Network.SGD`'s
settings (plain SGD, mini-batch 10, several mini-batches per compiled call),
with and without on-the-fly expanded data (`RandomAffine`). Yardstick: the
same architecture from Keras' built-in layers (`Conv2D` + `MaxPooling2D`
x2, `Dropout` + `Dense(1000, relu)` x2, `Dropout` + `Dense(10, softmax)`)
under default `compile`/`fit`, same data, same run. Epochs are timed on
`--n` training digits (compile excluded: one warm-up epoch each) and
scaled to 50,000; variants interleaved, median of `--rounds`.

Targets (issue 7): ours / plain <= 0.87x (aiming at 0.5x); expansion slows an
epoch by at most 25 %.

    python -m bench.speed.network3 --rounds 3 --n 10000
"""

import argparse
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench.common import print_table, ratio  # noqa: E402
from keras_dlt.datasets import load_mnist  # noqa: E402
from keras_dlt.models.network3 import preset  # noqa: E402
from keras_dlt.core import steps_per_execution_for  # noqa: E402
from keras_dlt.optimizers import SGD  # noqa: E402 (the apps' optimizer)


def plain_keras(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(20, 5, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(40, 5, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5), keras.layers.Dense(1000, activation="relu"),
        keras.layers.Dropout(0.5), keras.layers.Dense(1000, activation="relu"),
        keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.03), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def ours(seed, expand, n_batches, spe):
    net = preset("dropout", 10, seed=seed)
    if not expand:
        net.expand = None
    net.compile(optimizer=SGD(0.03), metrics=["accuracy"], steps_per_execution=spe)
    return net


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--n", type=int, default=10000, help="training digits per timed epoch (scaled to 50,000)")
    p.add_argument("--spe", type=int, default=0, help="our steps_per_execution (0: as Network.SGD chooses)")
    args = p.parse_args(argv)
    (x, y), _, _ = load_mnist()
    x, y = x[:args.n], y[:args.n]
    n_batches = len(x) // 10
    spe = args.spe or steps_per_execution_for(n_batches, 50)
    images = x.reshape(-1, 28, 28, 1)
    variants = {
        "plain Keras, default fit": (plain_keras(0), images),
        "ours, no expansion": (ours(0, False, n_batches, spe), x),
        "ours, expanded data": (ours(0, True, n_batches, spe), x),
    }
    times = {k: [] for k in variants}
    for k, (model, data) in variants.items():
        model.fit(data, y, batch_size=10, epochs=1, verbose=0)  # compile + warm-up
    for _ in range(args.rounds):
        for k, (model, data) in variants.items():
            t = time.perf_counter()
            model.fit(data, y, batch_size=10, epochs=1, verbose=0)
            times[k].append((time.perf_counter() - t) * 50000 / len(x))
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"# {os.cpu_count()} cores, TF {tf.__version__}, Keras {keras.__version__}, {time.strftime('%Y-%m-%d %H:%M')}; "
          f"dropout preset, mini-batch 10, {len(x)} digits per timed epoch scaled to 50,000; ours spe {spe}; "
          f"median of {args.rounds} interleaved epochs")
    base = med["plain Keras, default fit"]
    print_table([("variant", 28), ("s/epoch (50k)", 14), ("vs plain", 9), ("vs ours, no expansion", 22)],
                [(k, f"{v:.1f}", ratio(v, base), ratio(v, med["ours, no expansion"])) for k, v in med.items()])


if __name__ == "__main__":
    main()
