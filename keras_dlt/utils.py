"""Former home of small helpers, kept for old imports; they live in `keras_dlt.core` now."""

from keras_dlt.core import export_endpoints, minibatches, stateless_seeds, steps_per_execution_for

__all__ = ["steps_per_execution_for", "minibatches", "stateless_seeds", "export_endpoints"]
