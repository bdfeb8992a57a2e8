"""The tutorials' optimiser, plain SGD `p <- p - lr * g`, with each update one TensorFlow kernel.

`keras.optimizers.SGD` without momentum computes `lr * g` into a temporary
and subtracts it: two passes over every weight matrix. TensorFlow's own
`ResourceApplyGradientDescent` (the kernel of TF1's GradientDescentOptimizer)
does it in one, in place. At the tutorials' small batches a step is bound by
memory traffic over the weights, so this is measurable: bench/NOTES.md,
"Speed per core". With momentum, sparse gradients or a variable TensorFlow
cannot update in place, Keras' own update runs.
"""

import keras
import tensorflow as tf

__all__ = ["SGD"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class SGD(keras.optimizers.SGD):
    """`keras.optimizers.SGD` (same arguments, same updates); without momentum each update is one kernel.

    Example:
        >>> model.compile(optimizer=SGD(learning_rate=0.1))
    """

    def update_step(self, gradient, variable, learning_rate):
        target = variable.value if isinstance(variable, keras.Variable) else variable
        if (self.momentum != 0 or isinstance(gradient, tf.IndexedSlices)
                or isinstance(target, tf.distribute.DistributedValues) or not hasattr(target, "handle")):
            return super().update_step(gradient, variable, learning_rate)
        tf.raw_ops.ResourceApplyGradientDescent(var=target.handle, alpha=tf.cast(learning_rate, target.dtype),
                                                delta=tf.cast(gradient, target.dtype))
