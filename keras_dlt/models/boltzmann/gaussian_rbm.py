"""Gaussian-Bernoulli RBM: real-valued visible units, binary hidden units, sampled with HMC.

Energy (Cho, Ilin & Raiko 2011's form with per-visible standard deviations):

    E(v, h) = sum_i (v_i - b_i)^2 / (2 s_i^2) - c.h - sum_ij (v_i / s_i) W_ij h_j

Summing h out gives the free energy HMC samples (the tutorial's use of HMC):

    F(v) = sum_i (v_i - b_i)^2 / (2 s_i^2) - sum_j softplus(c_j + sum_i (v_i / s_i) W_ij)

The quadratic term outgrows the softplus, so exp(-F) is normalisable for
any weights.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.models.energy_model import EnergyModel
from keras_dlt.core.random import stateless_seeds
from keras_dlt.models.boltzmann.math import bernoulli

__all__ = ["GaussianBernoulliRBM"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class GaussianBernoulliRBM(EnergyModel):
    """An RBM over real-valued inputs whose free energy is sampled by persistent HMC chains.

    Trained as an `EnergyModel` (`fit(x)`: HMC negative phase, the energy
    being the free energy F(v)). Standardised inputs (zero mean, unit
    variance per feature) suit the default initialisation.

    Args:
        n_hidden: binary hidden units. Default 100.
        learn_sigma: learn the visible standard deviations s_i (as log s_i);
            else s_i = 1. Default True.
        n_chains, hmc_moves, energy_l2, seed, **hmc_options: as `EnergyModel`.

    Example:
        >>> rbm = GaussianBernoulliRBM(n_hidden=50, n_chains=500, seed=0)
        >>> rbm.compile()                      # Adam(1e-3)
        >>> rbm.fit(x_standardised, batch_size=100, epochs=30)
        >>> v = rbm.sample(n_moves=200)        # HMC on F(v)
        >>> v_gibbs = rbm.gibbs_sample(v, n_steps=100)   # exact block Gibbs, a cross-check
    """

    def __init__(self, n_hidden=100, learn_sigma=True, n_chains=100, hmc_moves=1, energy_l2=0.0, seed=None,
                 hmc_options=None, **kwargs):
        kwargs.pop("network", None)
        if not isinstance(n_hidden, (int, np.integer)) or n_hidden < 1:
            raise ValueError(f"GaussianBernoulliRBM: n_hidden must be an int >= 1. Received: n_hidden={n_hidden}")
        super().__init__(None, n_chains=n_chains, hmc_moves=hmc_moves, energy_l2=energy_l2, seed=seed,
                         hmc_options=hmc_options, **kwargs)
        self.n_hidden = int(n_hidden)
        self.learn_sigma = bool(learn_sigma)

    def _build_energy(self, input_shape):
        dim = input_shape[-1]
        init_seed = None if self.seed is None else int(self.seed) + 1
        self.kernel = self.add_weight(name="kernel", shape=(dim, self.n_hidden),
                                      initializer=keras.initializers.RandomNormal(0.0, 0.01, seed=init_seed))
        self.visible_bias = self.add_weight(name="visible_bias", shape=(dim,), initializer="zeros")
        self.hidden_bias = self.add_weight(name="hidden_bias", shape=(self.n_hidden,), initializer="zeros")
        self.log_sigma = self.add_weight(name="log_sigma", shape=(dim,), initializer="zeros",
                                         trainable=self.learn_sigma)

    def hidden_logits(self, v):
        """c + (v / s) W, [n, n_hidden]."""
        return ops.matmul(v * ops.exp(-self.log_sigma), self.kernel) + self.hidden_bias

    def energy(self, v):
        """The free energy F(v), [n] (module docstring)."""
        quadratic = 0.5 * ops.sum(ops.square((v - self.visible_bias) * ops.exp(-self.log_sigma)), axis=-1)
        return quadratic - ops.sum(ops.softplus(self.hidden_logits(v)), axis=-1)

    def free_energy(self, v):
        """F(v), [n]; the same as `energy`."""
        return self.energy(ops.cast(v, "float32"))

    def hidden(self, v):
        """p(h=1|v), [n, n_hidden]."""
        return ops.sigmoid(self.hidden_logits(ops.cast(v, "float32")))

    def gibbs_sample(self, v0, n_steps=100, seed=None):
        """Exact block Gibbs sampling (h ~ p(h|v), v ~ N(b + s * W h, s^2)), `n_steps` sweeps from `v0`.

        Not how the model trains (that is HMC on F), but an independent check
        of what the HMC chains should reach. Returns numpy [n, dim].
        """
        v = tf.convert_to_tensor(np.asarray(v0, "float32"))
        seeds = tf.constant(stateless_seeds(seed, 2 * int(n_steps)))
        sigma = ops.exp(self.log_sigma)

        @tf.function
        def run(v):
            def body(i, v):
                p = tf.sigmoid(self.hidden_logits(v))
                h = bernoulli(p, seeds[2 * i])
                mean = self.visible_bias + sigma * tf.matmul(h, self.kernel, transpose_b=True)
                return i + 1, mean + sigma * tf.random.stateless_normal(tf.shape(mean), seeds[2 * i + 1])

            return tf.while_loop(lambda i, _: i < n_steps, body, (tf.constant(0), v))[1]

        return run(v).numpy()

    def get_config(self):
        config = super().get_config()
        config.update({"n_hidden": self.n_hidden, "learn_sigma": self.learn_sigma})
        return config
