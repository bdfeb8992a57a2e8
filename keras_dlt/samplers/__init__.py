"""Samplers: annealed importance sampling for RBM partition functions."""

from keras_dlt.samplers.ais import LogPartition, ais_betas, rbm_log_partition_ais, rbm_log_partition_exact

__all__ = ["LogPartition", "ais_betas", "rbm_log_partition_ais", "rbm_log_partition_exact"]
