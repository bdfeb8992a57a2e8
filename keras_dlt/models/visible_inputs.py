"""Input handling shared by the unsupervised models (dA, RBM): flatten, check, build from data.

Their `train_step` never calls the model, so Keras cannot build the weights
from the first batch; `fit` builds them from the data's shape instead.
Their costs treat inputs as probabilities, so numpy inputs are checked to lie
in [0, 1] (and be finite) before training starts.
"""

import math

import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.core.checks import check_unit_interval

__all__ = ["VisibleInputs"]


class VisibleInputs:
    """Mixin for models over flat visible vectors; subclasses define `_n_visible()` (None until built)."""

    def _n_visible(self):
        raise NotImplementedError

    def _flat(self, x):
        """Inputs as float32 [n, n_visible]; a clear error when the size does not match."""
        x = ops.convert_to_tensor(x)
        self._check_features(x.shape)
        if len(x.shape) > 2 and all(d is not None for d in x.shape[1:]):
            x = ops.reshape(x, (-1, math.prod(x.shape[1:])))
        return ops.cast(x, "float32")

    def _check_features(self, shape):
        """A clear error when examples of `shape` do not flatten to the model's visible size."""
        n = self._n_visible()
        dims = tuple(shape)[1:]
        if n is not None and dims and None not in dims and math.prod(dims) != n:
            raise ValueError(
                f"{type(self).__name__}: inputs must have {n} features (flattened); received shape={tuple(shape)}"
            )

    def _check_inputs(self, x):
        """Before fit/evaluate: numpy values in [0, 1] and finite, weights built, the right feature count."""
        check_unit_interval(x, f"{type(self).__name__}: x")
        self._build_from(x)
        if isinstance(x, np.ndarray):
            self._check_features(x.shape)

    def fit(self, x=None, y=None, *args, **kwargs):
        """`Model.fit(x)`, after checking numpy inputs (range, NaNs, size) and building the weights."""
        self._check_inputs(x)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`Model.evaluate(x)`, after the same checks as `fit`."""
        self._check_inputs(x)
        return super().evaluate(x, y, *args, **kwargs)

    def _build_from(self, x):
        """Builds the weights from the data's shape (arrays or a dataset)."""
        if self.built:
            return
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            shape = (spec[0] if isinstance(spec, tuple) else spec).shape
        else:
            shape = np.shape(x)
        if len(shape) < 2:
            raise ValueError(f"{type(self).__name__}: inputs must be [n, features] (or images); got shape {tuple(shape)}")
        with self.distribute_strategy.scope():  # mirrored under the strategy the model was created in
            self.build(tuple(shape))
