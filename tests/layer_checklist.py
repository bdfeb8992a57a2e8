"""Keras' layer checklist (the shape of `keras/src/testing/test_case.py`'s `run_layer_test`), for our layers.

`run_layer_test(cls, init_kwargs, input_shape, ...)` builds the layer on random inputs and checks: the output shape
(and `compute_output_shape`), the trainable and non-trainable weight counts, the config round trip (equal configs),
one training step that changes every trainable weight, and a `.keras` save/load round trip with equal outputs.
"""

import keras
import numpy as np


def run_layer_test(cls, init_kwargs, input_shape, expected_output_shape, expected_num_trainable_weights,
                   expected_num_non_trainable_weights=0, tmp_path=None, input_range=(0.0, 1.0), seed=0,
                   call_kwargs=None, not_in_forward=()):
    """Runs the checklist on `cls(**init_kwargs)` for inputs `[*input_shape]` (batch included); returns the layer.

    `not_in_forward`: names of trainable weights the layer's `call` does not use (the RBM's visible bias: calling
    the layer gives p(h|v)); a supervised step leaves those alone, and the check asserts exactly that.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(*input_range, size=input_shape).astype("float32")
    layer = cls(**init_kwargs)
    y = layer(x, **(call_kwargs or {}))
    assert tuple(y.shape) == tuple(expected_output_shape), (tuple(y.shape), expected_output_shape)
    computed = layer.compute_output_shape((None, *input_shape[1:]))
    assert tuple(computed)[1:] == tuple(expected_output_shape)[1:], computed
    assert len(layer.trainable_weights) == expected_num_trainable_weights, [w.path for w in layer.trainable_weights]
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    # Config: a layer made from the config has the same config (all keys, not one or two).
    config = layer.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config

    # One training step in a model moves every trainable weight.
    model = keras.Sequential([keras.Input(input_shape[1:]), cls.from_config(config), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    target = rng.normal(size=(input_shape[0], 1)).astype("float32")
    ours = model.layers[0]
    model.predict(x, verbose=0)
    before = [keras.ops.convert_to_numpy(w).copy() for w in ours.trainable_weights]
    model.fit(x, target, epochs=1, batch_size=input_shape[0], verbose=0)
    for w, b in zip(ours.trainable_weights, before):
        moved = not np.array_equal(keras.ops.convert_to_numpy(w), b)
        assert moved != (w.name in not_in_forward), f"{w.path}: moved={moved}"

    # .keras round trip: the same layer class, the same outputs.
    if tmp_path is not None:
        path = tmp_path / f"{cls.__name__}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert type(loaded.layers[0]) is cls
        np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    return layer
