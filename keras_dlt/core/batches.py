"""Minibatching as the tutorials do it: `n // batch_size` whole minibatches in a fixed order."""

import numpy as np
import tensorflow as tf

__all__ = ["whole_batches", "minibatches", "steps_per_execution_for"]


def whole_batches(n, batch_size, what="the training set"):
    """The tutorial's `n_train_batches = n // batch_size`; a clear error when there is not one whole batch."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1. Received: batch_size={batch_size!r}")
    n_batches = int(n) // int(batch_size)
    if n_batches < 1:
        raise ValueError(f"batch_size={batch_size} is larger than {what}: {n} examples.")
    return n_batches


def minibatches(x, y, batch_size):
    """The tutorial's minibatches, in its fixed order, cut once into tensors.

    A `tf.data.Dataset` of `n // batch_size` whole batches (of `x` alone when
    `y` is None); the ragged rest is dropped, as the tutorial's
    `n_train_batches`. Feeding `fit` batches already cut skips Keras'
    per-epoch index-and-gather pipeline for numpy arrays, which costs about
    as much as a logistic-regression epoch itself (see bench/NOTES.md). Use
    `fit(x, y, shuffle=True)` to shuffle instead.
    """
    n = whole_batches(len(x), batch_size, "the training set")
    x = np.asarray(x)[: n * batch_size].reshape(n, batch_size, *np.shape(x)[1:])
    if y is None:  # unsupervised models: batches of x only
        return tf.data.Dataset.from_tensor_slices(x).prefetch(tf.data.AUTOTUNE)
    y = np.asarray(y)[: n * batch_size].reshape(n, batch_size, *np.shape(y)[1:])
    return tf.data.Dataset.from_tensor_slices((x, y)).prefetch(tf.data.AUTOTUNE)


def steps_per_execution_for(n_batches, target=100):
    """The largest divisor of `n_batches` not above `target`.

    Running that many minibatches per compiled call is much faster for small
    steps, and, dividing the epoch, keeps per-epoch callbacks (validation
    points) exactly where the tutorial has them. Which `target` suits which
    model is the speed policy's (`keras_dlt.training.speed`).
    """
    best = 1
    for k in range(1, min(n_batches, target) + 1):
        if n_batches % k == 0:
            best = k
    return best
