"""The tutorial's weight initialisation (Glorot & Bengio 2010, "Xavier10").

Weights are uniform in +-sqrt(6 / (fan_in + fan_out)) for tanh units and four
times that for sigmoid units. For a convolution followed by max-pooling,
fan_in = in_channels * filter_h * filter_w and
fan_out = filters * filter_h * filter_w / pool_area (LeNetConvPoolLayer).
"""

import math
import random as python_random

import keras

__all__ = ["TutorialUniform", "for_activation"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class TutorialUniform(keras.initializers.Initializer):
    """Uniform in +-gain * sqrt(6 / (fan_in + fan_out)).

    Works for dense kernels `[n_in, n_out]` and convolution kernels
    `[filter_h, filter_w, in_channels, filters]`.

    Args:
        gain: 1.0 for tanh (default), 4.0 for sigmoid.
        pool_area: the pooling area that follows a convolution (divides
            fan_out, as the tutorial's LeNet does). Default 1.
        seed: int or None, for repeatable draws.

    Example:
        >>> init = TutorialUniform(gain=4.0, seed=1)
        >>> w = init((784, 500))
    """

    def __init__(self, gain=1.0, pool_area=1, seed=None):
        if gain <= 0:
            raise ValueError(f"TutorialUniform: gain must be > 0. Received: gain={gain}")
        if pool_area < 1:
            raise ValueError(f"TutorialUniform: pool_area must be >= 1. Received: pool_area={pool_area}")
        self.gain = float(gain)
        self.pool_area = int(pool_area)
        self.seed = seed

    def limit(self, shape):
        """The half-width of the interval for a kernel of this shape."""
        receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
        fan_in = receptive * shape[-2]
        fan_out = receptive * shape[-1] / self.pool_area
        return self.gain * math.sqrt(6.0 / (fan_in + fan_out))

    def __call__(self, shape, dtype=None):
        limit = self.limit(shape)
        # An int seed gives the same draw on every call (as Keras' own initializers). None draws a fresh int seed
        # from Python's generator, which `keras.utils.set_random_seed` seeds (as Keras' initializers do), not from
        # Keras' global SeedGenerator: a model built symbolically (under tf.distribute) or inside an XLA-compiled
        # step cannot create that generator's variable there ("Unable to automatically build the model").
        seed = python_random.randint(1, 10**9) if self.seed is None else self.seed
        return keras.random.uniform(shape, -limit, limit, dtype=dtype, seed=seed)

    def get_config(self):
        return {"gain": self.gain, "pool_area": self.pool_area, "seed": self.seed}


def for_activation(activation, pool_area=1, seed=None):
    """The tutorial's initializer for units with this activation.

    Sigmoid units get a 4x wider interval; every other activation the tanh
    one ("We have no info for other function, so we use the same as tanh").
    """
    name = activation if isinstance(activation, str) else getattr(activation, "__name__", "")
    gain = 4.0 if name == "sigmoid" else 1.0
    return TutorialUniform(gain=gain, pool_area=pool_area, seed=seed)
