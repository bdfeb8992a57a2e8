"""The tutorials' zero-one error: numpy's answer, over batches, and no per-element rewrite in the training graph."""

import numpy as np
import tensorflow as tf

from keras_dlt.metrics import ZeroOneError, zero_one_error


def test_zero_one_error_matches_numpy_argmax_with_ties_and_column_labels():
    rng = np.random.default_rng(0)
    p = rng.random((257, 10)).astype("float32")
    p[:20, 3] = p[:20, 7] = 2.0  # ties: the first maximum wins, as numpy's
    p[20:30] = 0.0  # all equal: class 0
    p[30, :] = -0.0
    y = rng.integers(0, 10, 257)
    expected = (np.argmax(p, axis=-1) != y).astype("float32")
    np.testing.assert_array_equal(zero_one_error(y, p).numpy(), expected)
    np.testing.assert_array_equal(zero_one_error(y.reshape(-1, 1), p).numpy(), expected)
    np.testing.assert_array_equal(zero_one_error(y.astype("float32"), tf.constant(p)).numpy(), expected)


def test_zero_one_error_metric_is_the_fraction_over_all_batches():
    rng = np.random.default_rng(1)
    metric = ZeroOneError()
    wrong = n = 0
    for size in (7, 600, 1):
        p = rng.random((size, 10)).astype("float32")
        y = rng.integers(0, 10, size)
        metric.update_state(y, p)
        wrong += int(np.sum(np.argmax(p, axis=-1) != y))
        n += size
    assert metric.name == "error"
    np.testing.assert_allclose(float(metric.result()), wrong / n, rtol=1e-6)


def test_zero_one_error_is_an_argmax_and_a_comparison_only():
    """No bitcast / select pass over the batch's scores (keras.ops.argmax adds one: 6 % of a one-core MLP epoch)."""
    graph = tf.function(zero_one_error).get_concrete_function(
        tf.TensorSpec([None], tf.int64), tf.TensorSpec([None, 10], tf.float32)).graph
    types = {op.type for op in graph.get_operations()}
    assert "ArgMax" in types
    assert not types & {"Bitcast", "BitwiseAnd", "SelectV2", "Select"}, types
