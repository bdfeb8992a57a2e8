"""The Boltzmann family: the binary RBM's math, the RBM layer and model, AIS, the DBN, the GB-RBM, the RNN-RBM
and its RNN alone (`FrameRNN`)."""

from keras_dlt.models.boltzmann.ais import (LogPartition, ais_betas, rbm_log_partition_ais,
                                            rbm_log_partition_ais_batch, rbm_log_partition_exact)
from keras_dlt.models.boltzmann.dbn import DBN
from keras_dlt.models.boltzmann.frame_rnn import FrameRNN
from keras_dlt.models.boltzmann.gaussian_rbm import GaussianBernoulliRBM
from keras_dlt.models.boltzmann.layer import RBMLayer
from keras_dlt.models.boltzmann.math import bernoulli, binarize, free_energy, gibbs_chain
from keras_dlt.models.boltzmann.rbm import RBM
from keras_dlt.models.boltzmann.rnn_rbm import RnnRbm

__all__ = ["RBM", "DBN", "RBMLayer", "GaussianBernoulliRBM", "RnnRbm", "FrameRNN", "binarize", "free_energy", "bernoulli",
           "gibbs_chain", "LogPartition", "ais_betas", "rbm_log_partition_ais", "rbm_log_partition_ais_batch",
           "rbm_log_partition_exact"]
