"""The tutorials' optimiser, plain SGD `p <- p - lr * g`, with each update one TensorFlow kernel.

`keras.optimizers.SGD` without momentum computes `lr * g` into a temporary
and subtracts it: two passes over every weight matrix. TensorFlow's own
`ResourceApplyGradientDescent` (the kernel of TF1's GradientDescentOptimizer)
does it in one, in place. At the tutorials' small batches a step is bound by
memory traffic over the weights, so this is measurable: bench/NOTES.md,
"Speed per core". With momentum, sparse gradients or a variable TensorFlow
cannot update in place, Keras' own update runs.

A squared-L2 penalty `l2 * sum(W^2)` (`keras_dlt.regularizers.L1L2`) adds
`c W` to the gradient, c = 2 l2: autodiff computes it and sums it into the
gradient, two more passes over W. Plain SGD can apply it in the update
instead, `W <- (1 - lr c) W - lr g`, the same step (`penalties_in_update`).
"""

import keras
import tensorflow as tf

from keras_dlt.regularizers import L1L2

__all__ = ["SGD"]


def _tf_variable(variable):
    """The TensorFlow variable behind a Keras one (Keras hands `update_step` the former)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


def _in_place_target(variable):
    """The TensorFlow resource variable behind `variable`, or None where a kernel cannot update it in place."""
    target = _tf_variable(variable)
    if isinstance(target, tf.distribute.DistributedValues) or not hasattr(target, "handle"):
        return None
    return target


@keras.saving.register_keras_serializable(package="keras_dlt")
class SGD(keras.optimizers.SGD):
    """`keras.optimizers.SGD` (same arguments, same updates); without momentum each update is one kernel.

    Example:
        >>> model.compile(optimizer=SGD(learning_rate=0.1))
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._penalties = {}  # id(TF variable) -> c of the squared-L2 penalty the next `apply` adds (c W)

    def penalties_in_update(self, variables):
        """Takes the squared-L2 penalties of `variables` into the next update; returns the variables it took.

        For each variable whose regularizer is `keras_dlt.regularizers.L1L2`
        with `l2 > 0`, the next `apply` updates `W <- (1 - lr c) W - lr g`
        with c = 2 l2, in one kernel (TensorFlow's proximal gradient descent
        with its L1 at zero: `(W - a g) / (1 + a c)`, a = lr / (1 - lr c)):
        the tutorial's `W - lr (g + c W)`, the same up to float32 rounding, without the
        two passes over W that summing `c W` into the gradient costs. The loss
        must then carry the penalty's value without its gradient
        (`keras_dlt.regularizers.gradient_in_update`): `TutorialSGD.compute_loss`
        does both. Nothing is taken (an empty list) with momentum, gradient
        clipping, accumulation, weight decay or EMA, or on several replicas;
        the L1 term keeps its gradient in the loss.
        """
        self._penalties = {}
        if (self.momentum != 0 or self.clipnorm is not None or self.clipvalue is not None
                or self.global_clipnorm is not None or self.weight_decay or self.use_ema
                or self.gradient_accumulation_steps or tf.distribute.get_strategy().num_replicas_in_sync > 1):
            return []
        taken = [v for v in variables if isinstance(getattr(v, "regularizer", None), L1L2) and v.regularizer.l2 > 0
                 and _in_place_target(v) is not None and v.dtype in ("float32", "float64")]
        self._penalties = {id(_tf_variable(v)): 2.0 * float(v.regularizer.l2) for v in taken}
        return taken

    def apply(self, grads, trainable_variables=None):
        """`Optimizer.apply`; the penalties taken by `penalties_in_update` hold for this update only."""
        try:
            if self._penalties:  # a variable only the penalty reaches still decays
                variables = self._trainable_variables if trainable_variables is None else trainable_variables
                grads = [tf.zeros_like(v) if g is None and id(_tf_variable(v)) in self._penalties else g
                         for g, v in zip(grads, variables)]
            return super().apply(grads, trainable_variables)
        finally:
            self._penalties = {}

    def update_step(self, gradient, variable, learning_rate):
        target = _in_place_target(variable)
        c = self._penalties.get(id(_tf_variable(variable)))
        if target is None or self.momentum != 0 or isinstance(gradient, tf.IndexedSlices):
            if c is not None:
                gradient = tf.convert_to_tensor(gradient) + tf.cast(c, variable.dtype) * variable
            return super().update_step(gradient, variable, learning_rate)
        lr = tf.cast(learning_rate, target.dtype)
        delta = tf.cast(gradient, target.dtype)
        if c is None:
            tf.raw_ops.ResourceApplyGradientDescent(var=target.handle, alpha=lr, delta=delta)
            return
        c = tf.constant(c, target.dtype)
        tf.raw_ops.ResourceApplyProximalGradientDescent(var=target.handle, alpha=lr / (1.0 - lr * c),
                                                        l1=tf.zeros((), target.dtype), l2=c, delta=delta)
