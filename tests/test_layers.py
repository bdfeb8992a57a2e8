"""ConvPool and the initializers: Keras' layer checklist plus the tutorial's math."""

import math

import keras
import numpy as np
import pytest

from keras_dlt.initializers import TutorialUniform, for_activation
from keras_dlt.layers import ConvPool


def test_output_shape_and_weights():
    layer = ConvPool(20, (5, 5), (2, 2))
    y = layer(np.zeros((3, 28, 28, 1), np.float32))
    assert tuple(y.shape) == (3, 12, 12, 20)
    assert layer.compute_output_shape((None, 28, 28, 1)) == (None, 12, 12, 20)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 5, 1, 20), (20,)]
    assert len(layer.trainable_weights) == 2 and not layer.non_trainable_weights
    # Borders that do not fill a pooling window are ignored (ignore_border=True).
    assert tuple(ConvPool(4, 3, 2)(np.zeros((1, 10, 10, 2), np.float32)).shape) == (1, 4, 4, 4)


def test_pool_before_bias_equals_keras_conv_then_pool(rng):
    """max-pool(conv) + b then tanh == pool(tanh(conv + b)) since tanh is monotonic."""
    x = rng.normal(size=(4, 12, 12, 3)).astype("float32")
    ours = ConvPool(5, (3, 3), (2, 2), bias_initializer="random_normal")
    out = keras.ops.convert_to_numpy(ours(x))
    ref = keras.Sequential([keras.layers.Conv2D(5, 3, activation="tanh"), keras.layers.MaxPooling2D(2)])
    ref.build((None, 12, 12, 3))
    ref.layers[0].set_weights([keras.ops.convert_to_numpy(ours.kernel), keras.ops.convert_to_numpy(ours.bias)])
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(ref(x)), atol=1e-5)


def test_config_round_trip():
    layer = ConvPool(7, 3, (2, 1), activation="sigmoid", kernel_regularizer=keras.regularizers.L2(1e-3), seed=3, name="cp")
    clone = ConvPool.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.kernel_size == (3, 3) and clone.pool_size == (2, 1) and clone.activation is keras.activations.sigmoid


def test_one_fit_step_and_keras_round_trip(tmp_path, rng):
    model = keras.Sequential([keras.Input((12, 12, 1)), ConvPool(4, 3, 2, name="cp"), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = rng.normal(size=(8, 12, 12, 1)).astype("float32")
    y = rng.integers(0, 2, 8)
    before = keras.ops.convert_to_numpy(model.get_layer("cp").kernel).copy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(before, keras.ops.convert_to_numpy(model.get_layer("cp").kernel))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("cp"), ConvPool)
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), atol=1e-6)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="filters must be a positive int. Received: filters=0"):
        ConvPool(0)
    with pytest.raises(ValueError, match="pool_size must be"):
        ConvPool(3, pool_size=(2, 0))
    with pytest.raises(ValueError, match=r"input 4x4 convolved with a 5x5 filter"):
        ConvPool(3, 5, 2)(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="expected ndim=4"):
        ConvPool(3)(np.zeros((1, 28, 28), np.float32))


def test_lenet_initialisation_bounds():
    # LeNet's first layer: fan_in = 1*5*5, fan_out = 20*5*5/4 -> sqrt(6/150) = 0.2.
    layer = ConvPool(20, (5, 5), (2, 2), seed=1)
    layer.build((None, 28, 28, 1))
    w = keras.ops.convert_to_numpy(layer.kernel)
    assert np.abs(w).max() <= 0.2 + 1e-7 and np.abs(w).max() > 0.19
    # Dense tanh 784x500 and sigmoid (x4).
    limit = math.sqrt(6 / (784 + 500))
    assert TutorialUniform().limit((784, 500)) == pytest.approx(limit)
    w = keras.ops.convert_to_numpy(for_activation("sigmoid", seed=0)((784, 500)))
    assert 3.9 * limit < np.abs(w).max() <= 4 * limit + 1e-7
    # A seed makes the draw repeatable.
    a = keras.ops.convert_to_numpy(TutorialUniform(seed=5)((10, 10)))
    np.testing.assert_array_equal(a, keras.ops.convert_to_numpy(TutorialUniform(seed=5)((10, 10))))
    assert TutorialUniform.from_config(TutorialUniform(4.0, 4, 5).get_config()).get_config() == {"gain": 4.0, "pool_area": 4, "seed": 5}


@pytest.mark.parametrize("shape,kernel,pool", [((3, 28, 28, 1), 5, 2), ((2, 13, 11, 3), (3, 2), (2, 3)), ((2, 12, 12, 4), 5, 2)])
def test_patches_implementation_equals_conv_then_pool(rng, shape, kernel, pool):
    x = rng.normal(size=shape).astype("float32")
    conv = ConvPool(6, kernel, pool, implementation="conv", bias_initializer="random_normal")
    patches = ConvPool(6, kernel, pool, implementation="patches")
    conv(x), patches(x)
    patches.set_weights(conv.get_weights())
    assert conv._use_patches is False and patches._use_patches is True
    np.testing.assert_allclose(keras.ops.convert_to_numpy(patches(x)), keras.ops.convert_to_numpy(conv(x)), atol=1e-5)
    # Same gradients with respect to the kernel.
    import tensorflow as tf

    grads = []
    for layer in (conv, patches):
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(layer(x) ** 2)
        grads.append(tape.gradient(out, layer.kernel).numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-5)
    # "auto" is the convolution (measured faster on CPU, bench/NOTES.md); patches only when asked for.
    auto = ConvPool(6, kernel, pool)
    auto.build(shape)
    assert auto._use_patches is False
    with pytest.raises(ValueError, match="implementation must be"):
        ConvPool(3, implementation="fft")
