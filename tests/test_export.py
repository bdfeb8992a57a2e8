"""SavedModel export: the `serve` endpoint gives the same predictions in a
fresh process that never imports keras_dlt."""

import numpy as np
import pytest

from conftest import call_saved_model

from keras_dlt.models import MLP, LeNet, LogisticRegression


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
    out = call_saved_model(path, x[:32], ["serve"], tmp_path)
    np.testing.assert_allclose(out["serve"], expected, atol=1e-5)


def test_dA_exports_encode_and_reconstruct(small, tmp_path):
    from keras_dlt.models import DenoisingAutoencoder

    (x, _), _, _ = small
    dae = DenoisingAutoencoder(n_hidden=24, corruption_level=0.3, seed=0)
    dae.compile()
    dae.fit(x[:200], batch_size=20, epochs=1, verbose=0)
    path = str(tmp_path / "dA")
    dae.export(path, verbose=False)
    out = call_saved_model(path, x[:16], ["reconstruct", "encode", "serve"], tmp_path)
    z = keras_np(dae.reconstruct(x[:16]))
    np.testing.assert_allclose(out["reconstruct"], z, atol=1e-5)
    np.testing.assert_allclose(out["serve"], z, atol=1e-5)
    np.testing.assert_allclose(out["encode"], keras_np(dae.encode(x[:16])), atol=1e-5)


def keras_np(t):
    import keras

    return keras.ops.convert_to_numpy(t)
