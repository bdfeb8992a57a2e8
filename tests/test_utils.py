"""utils: steps_per_execution_for and minibatches."""

import numpy as np
import pytest

from keras_dlt.utils import minibatches, steps_per_execution_for


def test_steps_per_execution_divides_the_epoch():
    assert steps_per_execution_for(83) == 83
    assert steps_per_execution_for(2500) == 100
    assert steps_per_execution_for(100, 4) == 4
    assert steps_per_execution_for(97, 50) == 1  # a prime: only 1 divides it below 97
    for n in (1, 16, 166, 2500):
        k = steps_per_execution_for(n, 30)
        assert n % k == 0 and k <= 30


def test_minibatches_keep_the_tutorials_order_and_drop_the_rest():
    x = np.arange(23 * 3, dtype=np.float32).reshape(23, 3)
    y = np.arange(23, dtype=np.int32)
    batches = list(minibatches(x, y, 5).as_numpy_iterator())
    assert len(batches) == 4  # 23 // 5 whole minibatches
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x[:20])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y[:20])
    with pytest.raises(ValueError, match="larger than the training set: 23 examples"):
        minibatches(x, y, 30)


def test_sum_of_products_is_the_sum_of_the_transposed_products():
    import tensorflow as tf

    from keras_dlt.core.products import sum_of_products

    rng = np.random.default_rng(0)
    a1, b1 = rng.normal(size=(3, 5)), rng.normal(size=(3, 4))
    a2, b2 = rng.normal(size=(7, 5)), rng.normal(size=(7, 4))
    got = sum_of_products((tf.constant(a1), tf.constant(b1)), (tf.constant(a2), tf.constant(b2))).numpy()
    np.testing.assert_allclose(got, a1.T @ b1 + a2.T @ b2, rtol=1e-12)
    assert got.shape == (5, 4)
