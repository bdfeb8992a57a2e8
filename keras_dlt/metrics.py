"""The zero-one error every tutorial reports (`errors` in the Theano code)."""

import keras
import numpy as np
import tensorflow as tf

__all__ = ["ZeroOneError", "zero_one_error", "error_of"]


def zero_one_error(y_true, y_pred):
    """1 where the most probable class differs from the label, else 0.

    Args:
        y_true: integer labels `[batch]` (or `[batch, 1]`).
        y_pred: class probabilities or logits `[batch, n_classes]`.
    """
    # The argmax of softmax probabilities is that of the logits Keras' softmax keeps on its output (as Keras' losses
    # read them): then nothing in a training step needs the probabilities and TensorFlow prunes the softmax.
    # tf.argmax, not keras.ops.argmax: Keras' TensorFlow backend first rewrites every -0.0 to -tiny (its fix for
    # flush-to-zero, jax-ml/jax#24280) with a bitcast, a bitwise and and a select over the whole batch; for class
    # scores a -0.0 ties +0.0 either way. Both measured in bench/NOTES.md ("Speed per core: the error metric").
    scores = getattr(y_pred, "_keras_logits", y_pred)
    y_true = tf.reshape(tf.cast(y_true, tf.int32), (-1,))
    y_hat = tf.argmax(scores, axis=-1, output_type=tf.int32)
    return tf.cast(tf.not_equal(y_hat, y_true), tf.float32)


@keras.saving.register_keras_serializable(package="keras_dlt")
class ZeroOneError(keras.metrics.MeanMetricWrapper):
    """Fraction of misclassified examples (`mean(neq(argmax p(y|x), y))`).

    Reported as `error` by the tutorial models; multiply by 100 for the
    tutorial's percentages. Lower is better: give `mode="min"` to Keras
    callbacks that monitor it.
    """

    def __init__(self, name="error", dtype=None):
        super().__init__(fn=zero_one_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def error_of(model, x, y, batch_size=1000):
    """Zero-one error (a fraction) of `model`'s predictions on `(x, y)`."""
    p = model.predict(x, batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(p, axis=-1) != np.asarray(y).reshape(-1)))
