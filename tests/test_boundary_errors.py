"""Errors at the boundary: labels checked whatever form they come in; non-finite inputs never give finite answers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dlt.models import LeNet, MLP


def test_labels_out_of_range_are_named_for_arrays_tensors_and_datasets(small):
    (x, y), _, _ = small
    model = MLP(hidden_units=(8,), seed=0)
    model.compile()
    bad = y.copy()
    bad[7] = 12
    with pytest.raises(ValueError, match=r"MLP: y must hold class labels in 0..9; found 12"):
        model.fit(x, bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"MLP: y must hold class labels in 0..9; found 12"):
        model.fit(tf.constant(x), tf.constant(bad), epochs=1, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((x, bad)).batch(20)
    with pytest.raises(ValueError, match=r"x \(a tf.data.Dataset\)'s labels must be class labels in 0..9; found 12"):
        model.fit(ds, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"validation data \(a tf.data.Dataset\)'s labels .* found -1"):
        model.fit(x, y, validation_data=tf.data.Dataset.from_tensor_slices((x, y - 1)).batch(20), epochs=1, verbose=0)
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(20), epochs=1, verbose=0)  # good labels train


def test_a_saved_model_gives_nan_for_non_finite_images_as_predict_refuses_them(tmp_path):
    model = LeNet(seed=0)
    model.predict(np.zeros((1, 784), "float32"), verbose=0)  # export needs a model that was called
    x = np.full((3, 784), 0.5, "float32")
    x[0] = np.nan
    x[1, 17] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.predict(x, verbose=0)
    model.export(str(tmp_path / "sm"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "sm"))  # kept referenced while its endpoint runs
    served = loaded.serve(tf.constant(x)).numpy()
    assert np.isnan(served[:2]).all() and np.isfinite(served[2]).all()
    np.testing.assert_allclose(served[2:], keras.ops.convert_to_numpy(model(x[2:])), rtol=1e-6)
