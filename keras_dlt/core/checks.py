"""The one input validator: numpy inputs are checked before training, with errors naming what is wrong."""

import numpy as np

__all__ = ["check_finite", "check_unit_interval", "check_labels", "check_positive_int", "check_pair"]


def check_finite(x, what):
    """Raises ValueError naming `what` if numpy float `x` holds NaN or inf (tensors pass unchecked)."""
    if isinstance(x, np.ndarray) and x.size and np.issubdtype(x.dtype, np.floating):
        finite = np.isfinite(x)
        if not np.all(finite):
            raise ValueError(f"{what} holds {int(x.size - np.count_nonzero(finite))} NaN or infinite values.")


def check_unit_interval(x, what):
    """Raises ValueError naming `what` if numpy `x` holds NaN/inf or values outside [0, 1]."""
    if isinstance(x, np.ndarray) and x.size:
        check_finite(x, what)
        lo, hi = float(x.min()), float(x.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"{what} must lie in [0, 1] (the cost treats inputs as probabilities of binary units); "
                f"got range [{lo}, {hi}]."
            )


def check_labels(y, n_classes, what):
    """Raises ValueError naming `what` unless numpy `y` holds integer class labels in 0..n_classes-1."""
    if not isinstance(y, np.ndarray) or not y.size:
        return
    if not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"{what} must be integer class labels; got dtype {y.dtype}.")
    bad = (y < 0) | (y >= n_classes) | (y != np.round(y))
    if np.any(bad):
        raise ValueError(f"{what} must hold class labels in 0..{n_classes - 1}; found {y[bad][0]}.")


def check_positive_int(value, name, where):
    """`value` as an int >= 1, or a ValueError naming `where` and `name`."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be an int >= 1. Received: {name}={value}")
    return int(value)


def check_pair(data, name):
    """`data` as an `(x, y)` pair of numpy arrays with as many examples each."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(f"{name} must be an (x, y) pair of arrays.")
    x, y = np.asarray(data[0]), np.asarray(data[1])
    if len(x) != len(y):
        raise ValueError(f"{name}: x has {len(x)} examples but y has {len(y)}.")
    return x, y
