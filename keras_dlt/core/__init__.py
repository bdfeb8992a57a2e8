"""What every model family shares: the seed policy, minibatching, input checks, SavedModel endpoints."""

from keras_dlt.core.batches import minibatches, steps_per_execution_for, whole_batches
from keras_dlt.core.checks import check_finite, check_unit_interval
from keras_dlt.core.export import export_endpoints
from keras_dlt.core.finite import FailOnNonFinite, TrainingDiverged
from keras_dlt.core.progress import progress_bar_first
from keras_dlt.core.random import replica_seed, stateless_seeds, step_seed, sub_seed

__all__ = ["minibatches", "whole_batches", "steps_per_execution_for", "check_finite", "check_unit_interval", "export_endpoints", "FailOnNonFinite", "TrainingDiverged", "progress_bar_first",
           "stateless_seeds", "step_seed", "sub_seed", "replica_seed"]
