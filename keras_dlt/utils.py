"""Small helpers shared by models and apps."""

__all__ = ["steps_per_execution_for", "minibatches", "stateless_seeds", "export_endpoints"]


def steps_per_execution_for(n_batches, target=100):
    """The largest divisor of `n_batches` not above `target`.

    Running that many minibatches per compiled call is much faster for small
    steps, and, dividing the epoch, keeps per-epoch callbacks (validation
    points) exactly where the tutorial has them.
    """
    best = 1
    for k in range(1, min(n_batches, target) + 1):
        if n_batches % k == 0:
            best = k
    return best


def minibatches(x, y, batch_size):
    """The tutorial's minibatches, in its fixed order, cut once into tensors.

    A `tf.data.Dataset` of `n // batch_size` whole batches (of `x` alone when
    `y` is None) (the ragged rest is
    dropped, as the tutorial's `n_train_batches`). Feeding `fit` batches
    already cut skips Keras' per-epoch index-and-gather pipeline for numpy
    arrays, which costs about as much as a logistic-regression epoch itself
    (see bench/README.md). Use `fit(x, y, shuffle=True)` to shuffle instead.
    """
    import numpy as np
    import tensorflow as tf

    n = len(x) // batch_size
    if n < 1:
        raise ValueError(f"minibatches: batch_size={batch_size} is larger than the {len(x)} examples.")
    x = np.asarray(x)[: n * batch_size].reshape(n, batch_size, *np.shape(x)[1:])
    if y is None:  # unsupervised models: batches of x only
        return tf.data.Dataset.from_tensor_slices(x).prefetch(tf.data.AUTOTUNE)
    y = np.asarray(y)[: n * batch_size].reshape(n, batch_size, *np.shape(y)[1:])
    return tf.data.Dataset.from_tensor_slices((x, y)).prefetch(tf.data.AUTOTUNE)


def stateless_seeds(seed, n=1):
    """`n` seeds `[2]` (int32, numpy `[n, 2]`) for TF's stateless random ops, derived from an int `seed`.

    The same `seed` gives the same seeds; `None` draws fresh entropy.
    """
    import numpy as np

    state = np.random.SeedSequence(seed).generate_state(2 * n).astype("int64") % (2**31 - 1)
    return state.astype("int32").reshape(n, 2)


def export_endpoints(model, filepath, endpoints, verbose=True):
    """Write `model` as a SavedModel whose endpoints are `{name: (fn, input_signature)}`.

    The models' `export` methods name their own endpoints (`encode`, `free_energy`,
    `generate`, ...) on top of `serve`; this is `keras.export.ExportArchive` with
    the model tracked, so the weights go with the graph.
    """
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (fn, signature) in endpoints.items():
        archive.add_endpoint(name, fn, input_signature=signature)
    archive.write_out(filepath, verbose=verbose)
