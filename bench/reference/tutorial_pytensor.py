"""The original tutorial's logistic_sgd.py and mlp.py training steps on PyTensor (Theano's successor).

The same-run peer for `bench/supervised.py`: the tutorial's graph (shared
dataset, `givens` slicing minibatch `index`, `updates` of plain SGD, negative
log-likelihood, the MLP's tanh layer and L2 term), ported from Python 2 /
Theano to PyTensor, one compiled function call per minibatch as the tutorial
runs it. Optional: needs `pip install pytensor` and a BLAS for it to link
(Debian: `apt-get install libopenblas-dev`); without a BLAS PyTensor falls
back to slow paths and the comparison would flatter us.

    python -m bench.reference.tutorial_pytensor               # prints s/epoch of both
"""

import ctypes.util
import os
import time

import numpy as np

os.environ.setdefault("PYTENSOR_FLAGS", "floatX=float32" + (",blas__ldflags=-lopenblas" if ctypes.util.find_library("openblas") else ""))


def available():
    """Whether PyTensor imports and links a BLAS (else the peer is not a fair one)."""
    try:
        import pytensor
    except ImportError:
        return False
    return bool(pytensor.config.blas__ldflags)


def tutorial_epoch(name, x, y, seed=1234):
    """A function that runs one epoch of the tutorial's `train_model(index)` loop for `name`.

    name: "logistic" (batch 600, lr 0.13) or "mlp" (784-500-10 tanh, batch 20,
    lr 0.01, L2 1e-4), on `x` `[n, 784]` float32 and labels `y`.
    """
    import pytensor
    import pytensor.tensor as pt

    batch_size, lr = {"logistic": (600, 0.13), "mlp": (20, 0.01)}[name]
    data_x = pytensor.shared(np.asarray(x, dtype="float32"))
    data_y = pytensor.shared(np.asarray(y, dtype="int32"))
    index, xs, ys = pt.lscalar(), pt.fmatrix("x"), pt.ivector("y")
    params, h, n_in = [], xs, 784
    if name == "mlp":
        rng = np.random.RandomState(seed)
        bound = np.sqrt(6.0 / (784 + 500))
        w_h = pytensor.shared(rng.uniform(-bound, bound, (784, 500)).astype("float32"))
        b_h = pytensor.shared(np.zeros(500, "float32"))
        h, n_in, params = pt.tanh(pt.dot(xs, w_h) + b_h), 500, [w_h, b_h]
    w = pytensor.shared(np.zeros((n_in, 10), "float32"))
    b = pytensor.shared(np.zeros(10, "float32"))
    params += [w, b]
    p_y_given_x = pt.special.softmax(pt.dot(h, w) + b, axis=-1)
    cost = -pt.mean(pt.log(p_y_given_x)[pt.arange(ys.shape[0]), ys])
    if name == "mlp":
        cost = cost + np.float32(1e-4) * ((params[0] ** 2).sum() + (w ** 2).sum())
    grads = pt.grad(cost, params)
    train_model = pytensor.function(
        [index], cost, updates=[(p, p - np.float32(lr) * g) for p, g in zip(params, grads)],
        givens={xs: data_x[index * batch_size:(index + 1) * batch_size],
                ys: data_y[index * batch_size:(index + 1) * batch_size]})
    return index_epoch(train_model, len(x) // batch_size)


def index_epoch(train, n_batches):
    """One epoch of the tutorials' loop: `train(minibatch_index)` for each minibatch, in order."""

    def epoch():
        for minibatch_index in range(n_batches):
            train(minibatch_index)

    return epoch


#: The full MNIST beside the repository (../shared/data), the file the benches read.
MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist", "mnist.npz")

if __name__ == "__main__":
    from keras_dlt.datasets import load_mnist

    (x, y), _, _ = load_mnist(MNIST)
    print("BLAS linked:", available())
    for model in ("logistic", "mlp"):
        run = tutorial_epoch(model, x, y)
        run()
        times = []
        for _ in range(3):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        print(f"{model}: {np.median(times):.3f} s/epoch (median of 3)")
