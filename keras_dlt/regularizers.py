"""The tutorials' weight penalty, `L1_reg * sum|W| + L2_reg * sum W^2`, as a Keras regularizer.

It is `keras.regularizers.L1L2` with the squared norm taken by `tf.nn.l2_loss`:
one kernel that reads W once, whose gradient is one multiplication. Keras'
`sum(square(W))` writes W^2 to a temporary and its gradient broadcasts the
upstream gradient to W's shape before multiplying twice: on the MLP
784-500-10 at batch 20 that penalty took half of a one-core epoch, this one
a fifth (bench/NOTES.md, "Speed per core: the L2 penalty"). The value and
the gradient are the same up to float32 rounding.

Plain SGD can take the squared-L2 term's gradient, `2 * l2 * W`, into its
update (`keras_dlt.optimizers.SGD.penalties_in_update`): within
`gradient_in_update`, the term gives its value only, and the optimizer that
asked for it adds the gradient.
"""

import contextlib
import threading

import keras
import tensorflow as tf
from keras import ops

__all__ = ["L1L2", "gradient_in_update"]

_deferred = threading.local()


@contextlib.contextmanager
def gradient_in_update(variables):
    """Within it, `L1L2` on one of `variables` gives its squared-L2 term's value but no gradient.

    Yields the list of those variables whose term `L1L2` did leave out (a
    regularizer called on a copy of a variable's value keeps its gradient):
    only these may an optimizer add `2 * l2 * W` for in its next update.
    `keras_dlt.models.TutorialSGD.compute_loss` computes the loss in this
    context and hands that list to `keras_dlt.optimizers.SGD.penalties_in_update`.
    Any other loss keeps the full gradient.
    """
    previous = getattr(_deferred, "state", None)
    dropped = []
    _deferred.state = ({id(v): v for v in variables}, dropped)
    try:
        yield dropped
    finally:
        _deferred.state = previous


def _left_to_the_optimizer(x):
    """True (and noted) when `x` is a variable whose squared-L2 gradient `gradient_in_update` leaves out."""
    state = getattr(_deferred, "state", None)
    if state is None or id(x) not in state[0]:
        return False
    if not any(v is x for v in state[1]):
        state[1].append(x)
    return True


# The dtypes tf.nn.l2_loss has CPU and GPU kernels for; any other falls back to Keras' form.
_L2_LOSS_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


@keras.saving.register_keras_serializable(package="keras_dlt")
class L1L2(keras.regularizers.L1L2):
    """`l1 * sum(|w|) + l2 * sum(w^2)` (the tutorials' `L1_reg * L1 + L2_reg * L2_sqr`), fast.

    Args:
        l1: weight of the L1 norm. Default 0.
        l2: weight of the squared L2 norm. Default 0.

    Example:
        >>> keras.layers.Dense(500, kernel_regularizer=L1L2(l2=1e-4))
    """

    def __call__(self, x):
        deferred = self.l2 != 0.0 and _left_to_the_optimizer(x)
        x = ops.convert_to_tensor(x)
        regularization = ops.convert_to_tensor(0.0, dtype=x.dtype)
        if self.l1 != 0.0:
            regularization += ops.cast(self.l1, x.dtype) * ops.sum(ops.absolute(x))
        if self.l2 != 0.0:
            w = tf.stop_gradient(x) if deferred else x
            if x.dtype in _L2_LOSS_DTYPES:
                squared = 2.0 * tf.nn.l2_loss(w)  # l2_loss is sum(x^2) / 2
            else:
                squared = ops.sum(ops.square(w))
            regularization += ops.cast(self.l2, x.dtype) * squared
        return regularization
