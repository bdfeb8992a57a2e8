"""What the supervised tutorials' models share: the tutorial's compile defaults and input checks.

Each model outputs class probabilities (the tutorial's `p_y_given_x`),
accepts images as `[n, 784]`, `[n, 28, 28]` or `[n, 28, 28, 1]`, and
`compile()` with no arguments uses the tutorial's plain SGD at its learning
rate, the negative log-likelihood and the zero-one `error` metric. The loss is
computed from the logits behind the softmax (Keras picks them up), so it stays
finite when a probability underflows.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.core.checks import check_finite, check_labels
from keras_dlt.metrics import ZeroOneError
from keras_dlt.models.tutorial_sgd import TutorialSGD

__all__ = ["TutorialClassifier", "image_shapes"]


class TutorialClassifier(TutorialSGD, keras.Model):
    """Shared behaviour: default compile, input checks (`keras_dlt.core.checks`), serialisation."""

    def __init__(self, n_in, n_out, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n_out, int) or n_out < 2:
            raise ValueError(f"{type(self).__name__}: n_out must be an int >= 2. Received: n_out={n_out}")
        self.n_in = n_in
        self.n_out = n_out

    def compile(self, optimizer=None, loss=None, metrics=None, **kwargs):
        """`Model.compile` with the tutorial's defaults.

        Args:
            optimizer: default: plain SGD at `default_learning_rate`.
            loss: default: negative log-likelihood (sparse categorical
                cross-entropy on the probabilities, computed from logits).
            metrics: default: `[ZeroOneError()]`, reported as `error`.
            **kwargs: passed to `keras.Model.compile` (e.g.
                `steps_per_execution`, `jit_compile`).
        """
        optimizer = self.tutorial_optimizer(optimizer)
        if loss is None:
            loss = keras.losses.SparseCategoricalCrossentropy(name="nll")
        if metrics is None:
            metrics = [ZeroOneError()]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """`Model.fit`, after checking the inputs (shape, NaNs, label range; arrays, tensors and `tf.data`)."""
        self._check_inputs(x, y, "x", "y")
        if isinstance(validation_data, (tuple, list)) and len(validation_data) >= 2:
            self._check_inputs(validation_data[0], validation_data[1], "validation x", "validation y")
        elif validation_data is not None:
            self._check_inputs(validation_data, None, "validation data", "its labels")
        return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`Model.evaluate`, after the same checks as `fit`."""
        self._check_inputs(x, y, "x", "y")
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """`Model.predict`, after checking numpy inputs."""
        self._check_arrays(x, None, "x", "y")
        return super().predict(x, *args, **kwargs)

    # -- checks ------------------------------------------------------------
    def _check_inputs(self, x, y, x_name, y_name):
        """`_check_arrays` for arrays and eager tensors; for a finite `tf.data.Dataset` of (x, y), its label range."""
        if isinstance(x, tf.data.Dataset):
            self._check_dataset_labels(x, f"{x_name} (a tf.data.Dataset)")
            return
        as_array = [a.numpy() if isinstance(a, tf.Tensor) and hasattr(a, "numpy") else a for a in (x, y)]
        self._check_arrays(*as_array, x_name, y_name)

    def _check_dataset_labels(self, dataset, what):
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) < 2:
            return  # not (x, y): Keras says what it needs
        cardinality = int(dataset.cardinality())
        if cardinality < 0:  # infinite or unknown: one pass would never end or cost an epoch
            return
        label_dtype = spec[1].dtype
        if not (label_dtype.is_integer or label_dtype.is_floating):
            raise ValueError(f"{type(self).__name__}: {what}'s labels must be integer class labels; got {label_dtype}.")
        lo, hi = dataset.map(lambda *d: (tf.reduce_min(tf.cast(d[1], tf.float64)),
                                         tf.reduce_max(tf.cast(d[1], tf.float64)))).reduce(
            (tf.constant(np.inf, tf.float64), tf.constant(-np.inf, tf.float64)),
            lambda acc, b: (tf.minimum(acc[0], b[0]), tf.maximum(acc[1], b[1])))
        lo, hi = float(lo), float(hi)
        if lo < 0 or hi >= self.n_out:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{type(self).__name__}: {what}'s labels must be class labels in 0..{self.n_out - 1}; "
                             f"found {bad:g}.")

    def _check_arrays(self, x, y, x_name, y_name):
        name = type(self).__name__
        if isinstance(x, np.ndarray):
            self._check_shape(x.shape, x_name)
            check_finite(x, f"{name}: {x_name}")
        if isinstance(y, np.ndarray):
            if isinstance(x, np.ndarray) and len(x) != len(y):
                raise ValueError(f"{name}: {x_name} has {len(x)} examples but {y_name} has {len(y)}.")
            check_labels(y, self.n_out, f"{name}: {y_name}")

    def _check_shape(self, shape, what="input"):
        """Raises a clear ValueError unless `shape` is a batch of our inputs."""
        if getattr(shape, "rank", 0) is None:  # traced with relaxed shapes
            return
        dims = tuple(shape[1:])
        accepted = self._accepted_shapes()
        if len(shape) < 2 or (None not in dims and dims not in accepted):
            pretty = " or ".join(str([None, *s]).replace("None", "n") for s in accepted)
            raise ValueError(
                f"{type(self).__name__}: {what} must have shape {pretty}. Received: shape={tuple(shape)}"
            )

    def _accepted_shapes(self):
        """Flat vectors, and square images (with or without a channel) when n_in is a square."""
        side = math.isqrt(self.n_in)
        return image_shapes(self.n_in, (side, side, 1)) if side * side == self.n_in else ((self.n_in,),)

    def _propagate_non_finite(self, logits, inputs):
        """`logits` of rows whose input holds NaN or inf made NaN (0 * sum(x) is 0 for finite rows, NaN otherwise).

        `predict` refuses such inputs; a SavedModel or a direct call cannot, and without this a max-pool that
        skips NaN would hand back finite probabilities for an all-NaN image.
        """
        flat = ops.reshape(ops.cast(inputs, logits.dtype), (ops.shape(logits)[0], -1))
        return logits + 0.0 * ops.sum(flat, axis=1, keepdims=True)

    def _as_vectors(self, x):
        self._check_shape(x.shape)
        return ops.reshape(ops.cast(x, self.compute_dtype), (-1, self.n_in))

    # -- serialisation -----------------------------------------------------
    def get_config(self):
        return {**super().get_config(), "n_in": self.n_in, "n_out": self.n_out}


def image_shapes(n_in, image_shape):
    h, w, c = image_shape
    shapes = [(n_in,), (h, w, c)]
    if c == 1:
        shapes.insert(1, (h, w))
    return tuple(shapes)
