"""The sigmoid `Dense` that a dA or an RBM trains in place: made, or checked when given.

Pretraining layers (TiedAutoencoder, RBM) wrap the classifier's own hidden
`Dense`, so the unsupervised model trains the very kernel and bias the
classifier uses; both need the same checks on what they are handed.
"""

import keras

from keras_dlt.initializers import for_activation

__all__ = ["hidden_dense", "build_hidden_dense", "with_wrapped_dense"]


def hidden_dense(units, dense, seed, owner, role, name):
    """`dense` checked (a `Dense` with sigmoid units and a bias), or a new one with the tutorial's init.

    Args:
        units: size of a new layer (used when `dense` is None).
        dense: the layer to wrap, or None.
        seed: seed of a new layer's initialiser.
        owner: class name for the error messages; `role` names the argument
            (e.g. "encoder"); `name`: a new layer's name.
    """
    if dense is None:
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"{owner}: units must be a positive int. Received: units={units}")
        return keras.layers.Dense(units, activation="sigmoid", kernel_initializer=for_activation("sigmoid", seed=seed),
                                  name=name)
    if not isinstance(dense, keras.layers.Dense):
        raise ValueError(f"{owner}: {role} must be a keras.layers.Dense. Received: {type(dense).__name__}")
    if dense.activation is not keras.activations.sigmoid or not dense.use_bias:
        raise ValueError(
            f"{owner}: the wrapped Dense '{dense.name}' must have a sigmoid activation and a bias (the hidden "
            f"units). Received: activation={keras.activations.serialize(dense.activation)}, use_bias={dense.use_bias}"
        )
    return dense


def build_hidden_dense(dense, input_shape, owner):
    """Builds `dense` for `input_shape`, or checks that an already built one takes that many inputs."""
    n_in = input_shape[-1]
    if dense.built:
        if dense.kernel.shape[0] != n_in:
            raise ValueError(
                f"{owner}: the wrapped Dense '{dense.name}' takes {dense.kernel.shape[0]} inputs but the data has "
                f"{n_in}. Received: input_shape={tuple(input_shape)}"
            )
    else:
        dense.build((None, n_in))
    return n_in


def with_wrapped_dense(config, key):
    """A layer config with its wrapped `Dense` (serialised under `key`) made a layer again, for `from_config`."""
    config = dict(config)
    config[key] = keras.saving.deserialize_keras_object(config[key])
    return config
