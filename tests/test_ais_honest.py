"""Honest AIS estimates: the base rate of the data the RBM saw by default, and a warning when the estimate is shaky."""

import keras
import numpy as np
import pytest

from keras_dlt.models import RBM
from keras_dlt.models.boltzmann import binarize
from keras_dlt.models.boltzmann.ais import AISWarning, ais_betas


def test_ais_without_data_uses_the_fitted_datas_base_rate(sample):
    """Trained as the tutorial trains (PCD), small enough to enumerate: no `data` means the data it was fitted on."""
    (x, _), _, _ = sample
    rbm = RBM(n_hidden=16, k=1, persistent=True, seed=2)
    rbm.compile()
    rbm.fit(x[:3000], batch_size=20, epochs=2, verbose=0, shuffle=False)
    exact = rbm.log_partition("exact").log_z
    with_data = rbm.log_partition("ais", n_runs=100, betas=ais_betas(3000), data=x[:3000], seed=0)
    without = rbm.log_partition("ais", n_runs=100, betas=ais_betas(3000), seed=0)
    assert without == with_data  # the same base, the same seed: the same estimate
    assert abs(without.log_z - exact) < 0.5
    fresh = RBM(n_hidden=16, k=1, persistent=True, seed=2)  # the same weights, never fitted in this process
    fresh.build((None, 784))
    fresh.set_weights(rbm.get_weights())
    with pytest.warns(AISWarning, match="uniform distribution"):
        uniform = fresh.log_partition("ais", n_runs=100, betas=ais_betas(3000), seed=0)
    assert uniform.log_z < exact - 1.0  # what the warning is about: the uniform base falls well short


def test_a_uniform_base_warns_that_the_estimate_may_be_far_too_low(sample):
    (x, _), _, _ = sample
    rbm = RBM(n_hidden=6, seed=0)
    rbm.build((None, 784))  # never fitted here: nothing to take a base rate from
    with pytest.warns(AISWarning, match="uniform distribution"):
        rbm.log_partition("ais", n_runs=10, betas=ais_betas(100), seed=0)


def test_a_minus_inf_lower_bound_warns(sample):
    rbm = RBM(n_hidden=6, seed=0)
    rbm.build((None, 784))
    rbm.rbm.dense.kernel.assign(np.random.default_rng(0).normal(0, 8, size=(784, 6)).astype("float32"))
    with pytest.warns(AISWarning, match="lower bound is -inf"):
        rbm.log_partition("ais", n_runs=10, betas=ais_betas(20), data=sample[0][0][:100], seed=0)
