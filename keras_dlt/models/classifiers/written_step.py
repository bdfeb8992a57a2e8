"""The dense classifiers' training step with its backward pass written out (logistic regression, MLP, SdA, DBN).

At the tutorials' batch sizes (20, 10, 1) a step is a few small matmuls and TensorFlow's per-op dispatch
dominates; autodiff through the softmax cross-entropy, the activations and the penalties adds many small ops.
For a stack of `Dense` layers (tanh, sigmoid, ReLU or linear hidden units, a linear output layer under the
model's softmax, L1/L2 kernel penalties) the backward pass is short (LISA tutorial, "MLP", backpropagation):

    dC/dlogits = (softmax(logits) - onehot(y)) / n        (TF's fused SparseSoftmaxCrossEntropyWithLogits)
    dC/dW_l = a_{l-1}^T dC/dz_l + l1 sign(W_l) + 2 l2 W_l,  dC/db_l = sum_rows dC/dz_l
    dC/dz_{l-1} = (dC/dz_l W_l^T) * act'(z_{l-1}),  tanh' = 1 - a^2, sigmoid' = a (1 - a), relu' = [a > 0]

It takes 1.36 s per MLP epoch (batch 20) on one core against 2.2 s for autodiff on the same graph
(bench/NOTES.md). `written_step` returns None when a model falls outside what it covers (another loss, sample
weights, mixed precision, several replicas, other layers or penalties), and the model then takes Keras' own
step. The gradients equal `tf.GradientTape`'s (tested).
"""

import keras
import tensorflow as tf

from keras_dlt.core.replicas import apply_step, replicas

__all__ = ["dense_stack", "written_step"]

_DERIVATIVES = {
    keras.activations.tanh: lambda a: 1.0 - a * a,
    keras.activations.sigmoid: lambda a: a * (1.0 - a),
    keras.activations.relu: lambda a: tf.cast(a > 0, a.dtype),
    keras.activations.linear: lambda a: None,
}


def _penalty(layer):
    """(l1, l2) of a Dense layer's kernel penalty, or None if it has another kind."""
    reg = layer.kernel_regularizer
    if reg is None:
        return 0.0, 0.0
    if type(reg) is keras.regularizers.L1L2:
        return float(reg.l1), float(reg.l2)
    if type(reg) is keras.regularizers.L2:
        return 0.0, float(reg.l2)
    if type(reg) is keras.regularizers.L1:
        return float(reg.l1), 0.0
    return None


def dense_stack(model):
    """`(hidden layers, output layer)` when the written step covers `model`'s layers, else None."""
    hidden, output = list(getattr(model, "hidden_layers", ())), getattr(model, "classifier", None)
    layers = hidden + [output]
    if not all(type(layer) is keras.layers.Dense and layer.built and layer.use_bias and layer.trainable
               and layer.bias_regularizer is None and layer.activity_regularizer is None
               and layer.kernel_constraint is None and layer.bias_constraint is None
               and getattr(layer, "lora_enabled", False) is False and _penalty(layer) is not None
               for layer in layers):
        return None
    if output.activation is not keras.activations.linear or any(l.activation not in _DERIVATIVES for l in hidden):
        return None
    variables = [v for layer in layers for v in (layer.kernel, layer.bias)]
    if {id(v) for v in model.trainable_weights} != {id(v) for v in variables}:  # frozen or extra weights
        return None
    if model.compute_dtype != "float32" or any(v.dtype != "float32" for v in variables):
        return None
    return hidden, output


def written_step(model, data):
    """One training step of `model` with written-out gradients, as Keras' `train_step` reports it; or None.

    Covers `TutorialClassifier.compile`'s default loss (the negative log-likelihood) with no sample weights,
    float32, one replica, and a `dense_stack`; any metrics and any optimizer.
    """
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    stack = dense_stack(model)
    if (stack is None or sample_weight is not None or y is None or not getattr(model, "_default_loss", False)
            or replicas() != 1 or not hasattr(model, "_loss_tracker")):
        return None
    hidden, output = stack
    inputs = x
    a = model._as_vectors(x)
    activations = [a]
    for layer in hidden:
        a = layer.activation(tf.nn.bias_add(tf.matmul(a, layer.kernel), layer.bias))
        activations.append(a)
    logits = model._propagate_non_finite(tf.nn.bias_add(tf.matmul(a, output.kernel), output.bias), inputs)
    labels = tf.cast(tf.reshape(y, [-1]), tf.int32)
    nll, d_logits = tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits(features=logits, labels=labels)
    n = tf.cast(tf.shape(logits)[0], tf.float32)
    loss = tf.reduce_sum(nll) / n
    grads, delta = [], d_logits / n
    for i, layer in reversed(list(enumerate(hidden + [output]))):
        a_in = activations[i]
        l1, l2 = _penalty(layer)
        d_kernel = tf.matmul(a_in, delta, transpose_a=True)
        if l1:
            loss += l1 * tf.reduce_sum(tf.abs(layer.kernel))
            d_kernel += l1 * tf.sign(layer.kernel)
        if l2:
            loss += l2 * tf.reduce_sum(tf.square(layer.kernel))
            d_kernel += 2.0 * l2 * layer.kernel
        grads[:0] = [d_kernel, tf.reduce_sum(delta, 0)]
        if i > 0:  # the layer below's dC/dz
            delta = tf.matmul(delta, layer.kernel, transpose_b=True)
            derivative = _DERIVATIVES[hidden[i - 1].activation](a_in)
            if derivative is not None:
                delta = delta * derivative
    variables = [v for layer in hidden + [output] for v in (layer.kernel, layer.bias)]
    apply_step(model.optimizer, grads, variables)
    model._loss_tracker.update_state(loss, sample_weight=tf.shape(logits)[0])
    return model.compute_metrics(x, y, tf.nn.softmax(logits), sample_weight=None)
