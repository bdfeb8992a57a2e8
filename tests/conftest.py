"""Shared fixtures: where the real data lives, small MNIST arrays."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # older TF; 2.21 logs through absl before it reads this

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


_ENDPOINT_CALLER = r"""
import json, sys
import numpy as np
import tensorflow as tf
path, x_path, out_prefix, *names = sys.argv[1:]
loaded = tf.saved_model.load(path)
x = tf.constant(np.load(x_path))
for name in names:
    np.save(f"{out_prefix}.{name}.npy", getattr(loaded, name)(x).numpy())
print(json.dumps({"keras_dlt": "keras_dlt" in sys.modules}))
"""


def call_saved_model(path, x, endpoints, tmp_path):
    """Calls `endpoints` of the SavedModel at `path` on `x` in a fresh Python that never imports keras_dlt.

    Returns {endpoint: numpy output}; fails the test if the process fails or imported keras_dlt.
    """
    import json
    import subprocess
    import sys

    x_path = os.path.join(str(tmp_path), "endpoint_input.npy")
    np.save(x_path, x)
    prefix = os.path.join(str(tmp_path), "endpoint_output")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", _ENDPOINT_CALLER, str(path), x_path, prefix, *endpoints],
                          capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"keras_dlt": False}
    return {name: np.load(f"{prefix}.{name}.npy") for name in endpoints}
