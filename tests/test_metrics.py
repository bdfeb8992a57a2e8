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


def test_zero_one_error_of_softmax_probabilities_reads_their_logits():
    """Keras' softmax keeps its logits on its output: the metric's argmax reads them, so a training step can prune
    the softmax (nothing else needs the probabilities there); the error is the same."""
    import keras

    rng = np.random.default_rng(2)
    logits = rng.normal(size=(300, 10)).astype("float32") * 5
    y = rng.integers(0, 10, 300)

    def error_of_probabilities(lg):
        return zero_one_error(tf.constant(y), keras.ops.softmax(lg))

    graph = tf.function(error_of_probabilities).get_concrete_function(tf.TensorSpec([None, 10], tf.float32)).graph
    (argmax,) = [op for op in graph.get_operations() if op.type == "ArgMax"]
    assert argmax.inputs[0].op.type != "Softmax"
    expected = (np.argmax(logits, axis=-1) != y).astype("float32")
    np.testing.assert_array_equal(tf.function(error_of_probabilities)(logits).numpy(), expected)
    # Probabilities without logits attached (a numpy array, a loaded model's output) are read as they are.
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    np.testing.assert_array_equal(zero_one_error(y, probabilities).numpy(), expected)
