"""Seconds per epoch of the supervised tutorials: ours vs Keras' default fit.

For each model at the tutorial's batch size (logistic 600, MLP 20, LeNet 500),
on 50,000 training digits, compile time excluded (the first epoch is a
warm-up; then the variants run one epoch each in turn, `--rounds` times, and
the median per variant is reported, so that the machine's drifts in speed
hit all variants alike):

- ours:        the model with the apps' settings (`steps_per_execution` a
               divisor of the epoch, whole minibatches in the tutorial's
               fixed order, cut once into tensors: `keras_dlt.core.minibatches`);
- ours/default: the same model under Keras' default `fit` settings;
- plain Keras: a `keras.Sequential` of built-in layers (Dense, Conv2D,
               MaxPooling2D) doing the same computation under default `fit`.

Ratios are against plain Keras and the peer measured in the same run. When
PyTensor is installed with a BLAS (`bench/reference/tutorial_pytensor.py`), the
tutorial's own training loop on it is timed in the same run too (logistic,
MLP), as a fourth variant: column `tutorial`, and `ours/tut`. For LeNet, when
PyTorch imports, the same network in eager PyTorch on the CPU
(`bench/reference/lenet_pytorch.py`, the issue's LeNet peer) fills that column.

    python -m bench.speed.supervised                      # all three, full MNIST
    python -m bench.speed.supervised --models mlp --rounds 5
"""

import argparse
import os
import platform
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import interleaved  # noqa: E402
from bench.reference.tutorial_pytensor import available as tutorial_available  # noqa: E402
from keras_dlt.datasets import load_mnist  # noqa: E402
from keras_dlt.core import minibatches
from keras_dlt.training.speed import fast_steps_per_execution  # noqa: E402
from keras_dlt.models import MLP, LeNet, LogisticRegression  # noqa: E402
from keras_dlt.optimizers import SGD  # noqa: E402 (the apps' optimizer: "ours" runs as the apps run)

SETTINGS = {
    "logistic": (LogisticRegression, 600, 0.13),
    "mlp": (MLP, 20, 0.01),
    "lenet": (LeNet, 500, 0.1),
}


def plain_keras(name):
    """The same computation from Keras' built-in layers only."""
    tanh_init = keras.initializers.GlorotUniform()
    if name == "logistic":
        layers = [keras.Input((784,)), keras.layers.Dense(10, activation="softmax", kernel_initializer="zeros")]
    elif name == "mlp":
        reg = keras.regularizers.L2(1e-4)
        layers = [
            keras.Input((784,)),
            keras.layers.Dense(500, activation="tanh", kernel_initializer=tanh_init, kernel_regularizer=reg),
            keras.layers.Dense(10, activation="softmax", kernel_initializer="zeros", kernel_regularizer=reg),
        ]
    else:
        layers = [
            keras.Input((784,)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.Conv2D(20, 5, activation="tanh"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(50, 5, activation="tanh"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(500, activation="tanh"),
            keras.layers.Dense(10, activation="softmax", kernel_initializer="zeros"),
        ]
    return keras.Sequential(layers)


def bench(name, x, y, rounds, peer=False):
    """Builds and warms up the three variants, then times them epoch by epoch,
    interleaved, so that drifts in the machine's speed hit all of them alike."""
    cls, batch_size, lr = SETTINGS[name]
    n = (len(x) // batch_size) * batch_size
    spe = fast_steps_per_execution(cls(), n // batch_size)

    keras.utils.set_random_seed(0)
    ours = cls()
    ours.compile(optimizer=SGD(lr), steps_per_execution=spe)
    default = cls()
    default.compile()
    plain = plain_keras(name)
    plain.compile(optimizer=keras.optimizers.SGD(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # ours as the apps run it: whole minibatches in the tutorial's fixed order, cut once.
    variants = {
        "ours": (ours, minibatches(x, y, batch_size), None, batch_size, False),
        "ours_default": (default, x, y, batch_size, True),
        "plain": (plain, x, y, batch_size, True),
    }
    if peer and name in ("logistic", "mlp") and tutorial_available():
        from bench.reference.tutorial_pytensor import tutorial_epoch

        variants["tutorial"] = tutorial_epoch(name, x[:n], y[:n])
        variants["tutorial"]()  # compile and warm up
    if peer and name == "lenet":
        from bench.reference.lenet_pytorch import available, lenet_epoch

        if available():
            variants["tutorial"] = lenet_epoch(x[:n], y[:n])
            variants["tutorial"]()  # warm up
    rows = interleaved(variants, rounds, warmup_batches=max(20, spe))
    rows["spe"] = spe
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--rounds", type=int, default=3, help="timed epochs per variant, interleaved (after a warm-up)")
    parser.add_argument("--no-peer", action="store_true", help="skip the tutorial-on-PyTensor variant")
    parser.add_argument("--data", default=os.environ.get("KERAS_DLT_MNIST", os.path.join(ROOT, "..", "shared", "data", "mnist", "mnist.npz")))
    args = parser.parse_args(argv)

    if os.path.exists(args.data):
        (x, y), _, _ = load_mnist(args.data)
    else:  # the bundled sample, tiled to 50,000 digits: same shapes, same cost
        (x, y), _, _ = load_mnist("sample")
        reps = -(-50000 // len(x))
        x, y = np.tile(x, (reps, 1))[:50000], np.tile(y, reps)[:50000]
        print(f"{args.data} not found: timing the bundled sample tiled to 50,000 digits")
    print(f"# {platform.node()} {os.cpu_count()} cores, TF {__import__('tensorflow').__version__}, "
          f"Keras {keras.__version__}, {time.strftime('%Y-%m-%d')}; {len(x)} training digits, "
          f"median of {args.rounds} interleaved epochs per variant after a warm-up")
    from bench.reference.tutorial_pytensor import available

    peer = not args.no_peer
    if peer and not available() and set(args.models) & {"logistic", "mlp"}:
        print("PyTensor with a BLAS not available: the tutorial-on-PyTensor column is left out "
              "(pip install pytensor; apt-get install libopenblas-dev)")
    header = (f"{'model':<9} {'batch':>5} {'spe':>4} {'ours s/ep':>10} {'default':>9} {'plain':>8} {'tutorial':>9} "
              f"{'ours/plain':>10} {'default/plain':>13} {'ours/tut':>8}")
    print(header)
    print("-" * len(header))
    for name in args.models:
        r = bench(name, x, y, args.rounds, peer)
        tut = r.get("tutorial")
        tut_s, vs_tut = ("-", "-") if tut is None else (f"{tut:.3f}", f"{r['ours'] / tut:.2f}x")
        print(
            f"{name:<9} {SETTINGS[name][1]:>5} {r['spe']:>4} {r['ours']:>10.3f} {r['ours_default']:>9.3f} "
            f"{r['plain']:>8.3f} {tut_s:>9} {r['ours'] / r['plain']:>9.2f}x "
            f"{r['ours_default'] / r['plain']:>12.2f}x "
            f"{vs_tut:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
