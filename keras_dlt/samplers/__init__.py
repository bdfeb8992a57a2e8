"""Samplers: Hybrid Monte Carlo (tfp.mcmc + the tutorial's adaptive step size); AIS for RBMs."""

from keras_dlt.samplers.ais import LogPartition, ais_betas, rbm_log_partition_ais, rbm_log_partition_exact
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

__all__ = ["LogPartition", "ais_betas", "rbm_log_partition_ais", "rbm_log_partition_exact",
           "MovingAverageStepSizeAdaptation", "MovingAverageStepSizeAdaptationResults", "HMCSampler", "sample",
           "SampleResult", "TUTORIAL_DEFAULTS", "tutorial_gaussian", "tutorial_kernel"]
