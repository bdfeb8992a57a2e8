"""Shared fixtures: where the real data lives, small MNIST arrays."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository
SHARED_DATA = os.environ.get("KERAS_DLT_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
MNIST_NPZ = os.path.join(SHARED_DATA, "mnist", "mnist.npz")
MNIST_IDX = os.path.join(SHARED_DATA, "mnist", "idx")

needs_shared_mnist = pytest.mark.skipif(
    not os.path.isfile(MNIST_NPZ), reason=f"real MNIST not found at {MNIST_NPZ} (set KERAS_DLT_SHARED_DATA)"
)
needs_shared_idx = pytest.mark.skipif(
    not os.path.isdir(MNIST_IDX), reason=f"real MNIST IDX files not found at {MNIST_IDX} (set KERAS_DLT_SHARED_DATA)"
)


@pytest.fixture(scope="session")
def sample():
    """The bundled sample, loaded once: ((x_tr, y_tr), (x_va, y_va), (x_te, y_te))."""
    from keras_dlt.datasets import load_mnist

    return load_mnist("sample")


@pytest.fixture(scope="session")
def small(sample):
    """A few hundred digits for quick model tests."""
    (x, y), (xv, yv), (xt, yt) = sample
    return (x[:400], y[:400]), (xv[:200], yv[:200]), (xt[:200], yt[:200])


@pytest.fixture
def rng():
    return np.random.default_rng(0)
