"""Samplers: Hybrid Monte Carlo (tfp.mcmc + the tutorial's adaptive step size); AIS for RBMs.

AIS lives with the Boltzmann family (`keras_dlt.models.boltzmann.ais`); its
names are also reachable here, as before.
"""

import importlib

from keras_dlt.samplers.hmc import (
    TUTORIAL_DEFAULTS,
    HMCSampler,
    MovingAverageStepSizeAdaptation,
    MovingAverageStepSizeAdaptationResults,
    SampleResult,
    sample,
    tutorial_gaussian,
    tutorial_kernel,
)

_AIS = ("LogPartition", "ais_betas", "rbm_log_partition_ais", "rbm_log_partition_exact", "rbm_log_partition_ais_batch")

__all__ = [*_AIS, "MovingAverageStepSizeAdaptation", "MovingAverageStepSizeAdaptationResults", "HMCSampler", "sample",
           "SampleResult", "TUTORIAL_DEFAULTS", "tutorial_gaussian", "tutorial_kernel"]


def __getattr__(name):
    # Imported on first use: the Boltzmann family imports the model stack, which imports this package.
    if name in _AIS or name == "ais":
        ais = importlib.import_module("keras_dlt.models.boltzmann.ais")
        return ais if name == "ais" else getattr(ais, name)
    raise AttributeError(f"module 'keras_dlt.samplers' has no attribute {name!r}")
