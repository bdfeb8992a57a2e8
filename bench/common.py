"""Timing helpers shared by the benchmarks: epochs timed inside fit, variants interleaved."""

import time

import keras
import numpy as np
import tensorflow as tf


class EpochTimer(keras.callbacks.Callback):
    """Seconds of each epoch, measured inside fit (dataset set-up excluded)."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._t)


def timed_epoch(model, x, y, batch_size, shuffle=True):
    """Seconds of one training epoch on `x` (arrays, or a dataset of batches)."""
    timer = EpochTimer()
    if isinstance(x, tf.data.Dataset):
        model.fit(x, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
    else:
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=shuffle, callbacks=[timer])
    return timer.times[0]


def interleaved(variants, rounds, warmup_batches=20):
    """Median seconds per epoch of each variant, timed in turns.

    `variants`: name -> (model, x, y, batch_size, shuffle), or name -> a
    function that runs one epoch (a peer outside Keras). Each Keras variant is
    first warmed up on a few batches (tracing, compilation); then every round
    runs one epoch of each, so the machine's drifts in speed hit all alike.
    """
    for variant in variants.values():
        if callable(variant):
            continue
        model, x, y, batch_size, _ = variant
        if isinstance(x, tf.data.Dataset):
            model.fit(x.take(warmup_batches), epochs=1, verbose=0, shuffle=False)
        else:
            n = warmup_batches * batch_size
            model.fit(x[:n], None if y is None else y[:n], batch_size=batch_size, epochs=1, verbose=0)
    times = {k: [] for k in variants}
    for _ in range(rounds):
        for key, variant in variants.items():
            if callable(variant):
                start = time.perf_counter()
                variant()
                times[key].append(time.perf_counter() - start)
                # A BLAS outside TF (OpenBLAS) keeps its worker threads spinning for a while after a call:
                # let them go idle so that they do not slow down the next variant's epoch.
                time.sleep(0.5)
            else:
                times[key].append(timed_epoch(*variant))
    return {k: float(np.median(v)) for k, v in times.items()}


def print_table(columns, rows):
    """Prints a fixed-width table: `columns` are (title, width); cells are strings or numbers (2 decimals).

    The first column is left-aligned, the others right-aligned; None prints as "-".
    """
    def cell(value, width, left):
        text = "-" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
        return f"{text:<{width}}" if left else f"{text:>{width}}"

    header = " ".join(cell(title, width, i == 0) for i, (title, width) in enumerate(columns))
    print(header)
    print("-" * len(header))
    for row in rows:
        print(" ".join(cell(v, w, i == 0) for i, (v, (_, w)) in enumerate(zip(row, columns))), flush=True)


def ratio(a, b):
    """`a / b` as "0.58x", or None when there is no `b`."""
    return None if not b else f"{a / b:.2f}x"


def parts_parser(description, parts, subset, subset_help):
    """The speed benches' flags: which parts to time, rounds, a subset for slow rows, the MNIST file."""
    import argparse
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--parts", nargs="+", default=list(parts), choices=list(parts))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--subset", type=int, default=subset, help=subset_help)
    parser.add_argument("--data", default=os.path.join(root, "..", "shared", "data", "mnist", "mnist.npz"))
    return parser


def mnist_for(args, note=""):
    """MNIST from `args.data` (the bundled sample when it is absent), after printing the run's header line."""
    import os

    from keras_dlt.datasets import load_mnist

    (x, y), _, _ = load_mnist(args.data if os.path.exists(args.data) else "sample")
    print(f"# {os.cpu_count()} cores, Keras {keras.__version__}, TF {tf.__version__}, {time.strftime('%Y-%m-%d')}; "
          f"{len(x)} digits; median of {args.rounds} interleaved epochs{note}")
    return x, y
