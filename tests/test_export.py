"""SavedModel export: the `serve` endpoint gives the same predictions in a
fresh process that never imports keras_dlt."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_dlt.models import MLP, LeNet, LogisticRegression

LOADER = r"""
import json, sys
import numpy as np
import tensorflow as tf
path, x_path, out_path = sys.argv[1:4]
x = np.load(x_path)
loaded = tf.saved_model.load(path)
y = loaded.serve(tf.constant(x)).numpy()
np.save(out_path, y)
print(json.dumps({"keras_dlt": "keras_dlt" in sys.modules}))
"""


@pytest.mark.parametrize(
    "factory",
    [LogisticRegression, lambda: MLP(hidden_units=(64,), seed=0), lambda: LeNet(nkerns=(4, 6), n_hidden=16, seed=0)],
    ids=["LogisticRegression", "MLP", "LeNet"],
)
def test_export_serves_same_predictions_in_fresh_process(factory, small, tmp_path):
    (x, y), _, _ = small
    model = factory()
    model.compile()
    model.fit(x[:200], y[:200], batch_size=50, epochs=1, verbose=0)
    expected = model.predict(x[:32], verbose=0)
    path = str(tmp_path / "saved_model")
    model.export(path, verbose=False)
    np.save(tmp_path / "x.npy", x[:32])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", LOADER, path, str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
        capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    imported = json.loads(proc.stdout.strip().splitlines()[-1])
    assert imported == {"keras_dlt": False}
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-5)


ENDPOINTS = r"""
import json, sys
import numpy as np
import tensorflow as tf
path, x_path = sys.argv[1:3]
x = tf.constant(np.load(x_path))
loaded = tf.saved_model.load(path)
np.save(x_path + ".z.npy", loaded.reconstruct(x).numpy())
np.save(x_path + ".h.npy", loaded.encode(x).numpy())
np.save(x_path + ".s.npy", loaded.serve(x).numpy())
print(json.dumps({"keras_dlt": "keras_dlt" in sys.modules}))
"""


def test_dA_exports_encode_and_reconstruct(small, tmp_path):
    from keras_dlt.models import DenoisingAutoencoder

    (x, _), _, _ = small
    dae = DenoisingAutoencoder(n_hidden=24, corruption_level=0.3, seed=0)
    dae.compile()
    dae.fit(x[:200], batch_size=20, epochs=1, verbose=0)
    path = str(tmp_path / "dA")
    dae.export(path, verbose=False)
    np.save(tmp_path / "x.npy", x[:16])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", ENDPOINTS, path, str(tmp_path / "x.npy")],
                          capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"keras_dlt": False}
    z = keras_np(dae.reconstruct(x[:16]))
    np.testing.assert_allclose(np.load(tmp_path / "x.npy.z.npy"), z, atol=1e-5)
    np.testing.assert_allclose(np.load(tmp_path / "x.npy.s.npy"), z, atol=1e-5)
    np.testing.assert_allclose(np.load(tmp_path / "x.npy.h.npy"), keras_np(dae.encode(x[:16])), atol=1e-5)


def keras_np(t):
    import keras

    return keras.ops.convert_to_numpy(t)
