"""An energy-based model over continuous inputs, trained with persistent HMC chains.

The tutorial introduces HMC to sample the negative phase of energy models
with continuous inputs. Here that use is made concrete: p(x) = exp(-E(x)) / Z
with E any Keras network, trained by maximum likelihood, whose gradient is

    d(-log p(x))/dtheta = dE(x)/dtheta - E_model[dE(x')/dtheta]

with the model expectation taken over persistent chains (Tieleman 2008's PCD,
with the tutorial's HMC move instead of Gibbs sampling). Each step lowers
mean E(data) - mean E(chains), the chains held constant.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.models.tutorial_sgd import TutorialSGD
from keras_dlt.samplers.hmc import TUTORIAL_DEFAULTS, tutorial_kernel
from keras_dlt.core.random import stateless_seeds, step_seed
from keras_dlt.core.replicas import (apply_step, check_divisible, for_this_replica, from_every_replica,
                                     mean_over_replicas, this_replicas_rows)

__all__ = ["EnergyModel"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class EnergyModel(TutorialSGD, keras.Model):
    """p(x) proportional to exp(-E(x)) for a network E: [n, dim] -> [n], fit by `fit(x)` with HMC chains.

    Each training step moves `n_chains` persistent chains by `hmc_moves` HMC
    moves (the tutorial's sampler: 20 leapfrog steps, step size adapted to a
    0.9 acceptance rate), then lowers mean E(x_batch) - mean E(chains). The
    chains start at data (the first batch, repeated) and are kept, with the
    step size and the acceptance average, in non-trainable variables, so they
    are saved with the model and training resumes where it stopped.

    `fit` reports `loss` (the energy gap; near 0 when the model's samples look
    like the data), `acceptance_rate` and `step_size`.

    Args:
        network: a Keras layer or model mapping [n, dim] to energies [n] or
            [n, 1]. Subclasses may leave it None and override `energy`.
        n_chains: persistent chains. Default 100.
        hmc_moves: HMC moves of the chains per training step. Default 1.
        energy_l2: weight of alpha * (mean E(x)^2 + mean E(chains)^2), which
            keeps energies from drifting (Du & Mordatch 2019). Default 0.
        seed: seed of the chains' randomness.
        **hmc_options: the tutorial's sampler options (`n_steps`,
            `initial_stepsize`, `stepsize_min`, ...), see `TUTORIAL_DEFAULTS`.

    Example:
        >>> net = keras.Sequential([keras.layers.Dense(64, activation="softplus"), keras.layers.Dense(1)])
        >>> model = EnergyModel(net, n_chains=500, seed=1)
        >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> model.fit(x, batch_size=100, epochs=20)
        >>> x_model = model.sample(n_moves=200, seed=2)       # [500, dim]
    """

    def __init__(self, network=None, n_chains=100, hmc_moves=1, energy_l2=0.0, seed=None, hmc_options=None,
                 **kwargs):
        options = dict(hmc_options or {})
        for key in list(kwargs):
            if key in TUTORIAL_DEFAULTS:
                options[key] = kwargs.pop(key)
        kwargs.setdefault("dtype", "float32")  # energies, HMC's accept/reject and step size: float32 under any policy
        super().__init__(**kwargs)
        for name, value in (("n_chains", n_chains), ("hmc_moves", hmc_moves)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be an int >= 1. Received: {name}={value}")
        if not energy_l2 >= 0.0:
            raise ValueError(f"{type(self).__name__}: energy_l2 must be >= 0. Received: energy_l2={energy_l2}")
        tutorial_kernel(lambda x: x, **options)  # checks the options now, with a clear error
        self.network = network
        self.n_chains = int(n_chains)
        self.hmc_moves = int(hmc_moves)
        self.energy_l2 = float(energy_l2)
        self.seed = seed
        self.hmc_options = options
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.gap_tracker = keras.metrics.Mean(name="loss")
        self.acceptance_tracker = keras.metrics.Mean(name="acceptance_rate")
        self.step_size_tracker = keras.metrics.Mean(name="step_size")

    @property
    def metrics(self):
        return [self.gap_tracker, self.acceptance_tracker, self.step_size_tracker]

    # -- the model ---------------------------------------------------------------
    def energy(self, x):
        """E(x), [n]: the network's output (its last axis squeezed when it is 1)."""
        if self.network is None:
            raise NotImplementedError(f"{type(self).__name__}: give a `network` or override `energy`.")
        e = ops.cast(self.network(x), "float32")  # the network may compute in float16; energies are float32
        if len(e.shape) == 2 and e.shape[-1] == 1:
            e = ops.squeeze(e, axis=-1)
        return e

    def call(self, inputs):
        """E(x), [n]."""
        return self.energy(ops.cast(inputs, "float32"))

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__}: inputs must be [n, dim] vectors. Received: shape={tuple(input_shape)}")
        self.dim = int(input_shape[-1])
        self._build_energy((None, self.dim))
        e = self.energy(ops.zeros((2, self.dim)))
        if tuple(e.shape) != (2,):
            raise ValueError(f"{type(self).__name__}: the network must map [n, {self.dim}] to [n] or [n, 1] "
                             f"energies; for 2 inputs it gave shape {tuple(e.shape)}.")
        o = {**TUTORIAL_DEFAULTS, **self.hmc_options}
        self.chains = self.add_weight(name="chains", shape=(self.n_chains, self.dim), initializer="zeros",
                                      trainable=False)
        self.chains_ready = self.add_weight(name="chains_ready", shape=(), dtype="int32", initializer="zeros",
                                            trainable=False)
        self.step_size = self.add_weight(name="step_size", shape=(), initializer=keras.initializers.Constant(
            o["initial_stepsize"]), trainable=False)
        self.avg_acceptance_rate = self.add_weight(
            name="avg_acceptance_rate", shape=(), initializer=keras.initializers.Constant(o["target_acceptance_rate"]),
            trainable=False)
        self._kernel = tutorial_kernel(self.energy, self.step_size, **self.hmc_options)
        self.built = True

    def _build_energy(self, input_shape):
        """Builds the energy's weights (the network's here; subclasses build their own)."""
        if self.network is not None and not self.network.built:
            self.network.build(input_shape)

    # -- sampling ----------------------------------------------------------------------
    def _hmc(self, chains, n_moves, seed):
        """`n_moves` HMC moves of `chains` from the stored step-size state; (chains, step, avg, acceptance)."""
        results = self._kernel.bootstrap_results(chains)
        results = results._replace(step_size=ops.convert_to_tensor(self.step_size),
                                   avg_acceptance_rate=ops.convert_to_tensor(self.avg_acceptance_rate))

        def body(i, x, results, accepted):
            x, results = self._kernel.one_step(x, results, seed=step_seed(seed, i))
            acc = tf.reduce_mean(tf.cast(results.inner_results.is_accepted, tf.float32))
            return i + 1, x, results, accepted + acc

        _, chains, results, accepted = tf.while_loop(
            lambda i, *_: i < n_moves, body, (tf.constant(0), chains, results, tf.constant(0.0)))
        return chains, results.step_size, results.avg_acceptance_rate, accepted / tf.cast(n_moves, tf.float32)

    def sample(self, initial_positions=None, n_moves=100, seed=None):
        """Moves chains `n_moves` HMC moves under the current model and returns their positions.

        Args:
            initial_positions: [n, dim] starting points; default the persistent
                chains (which are then left unchanged).
            n_moves: HMC moves. Default 100.
            seed: int; the same seed gives the same samples.

        The step size starts from the trained one and keeps adapting (the
        tutorial's rule) during these moves; the model's stored step size and
        chains are left unchanged.

        Returns:
            numpy [n, dim].
        """
        if not self.built:
            raise ValueError(f"{type(self).__name__}.sample: the model is not built; fit it first.")
        if not isinstance(n_moves, (int, np.integer)) or n_moves < 1:
            raise ValueError(f"{type(self).__name__}.sample: n_moves must be an int >= 1. Received: {n_moves}")
        x0 = self.chains if initial_positions is None else np.asarray(initial_positions, "float32")
        if initial_positions is not None and not np.all(np.isfinite(x0)):
            raise ValueError(f"{type(self).__name__}.sample: initial_positions hold NaN or infinite values.")
        x0 = ops.convert_to_tensor(x0)
        if len(x0.shape) != 2 or x0.shape[-1] != self.dim:
            raise ValueError(f"{type(self).__name__}.sample: initial_positions must be [n, {self.dim}]. "
                             f"Received: shape={tuple(x0.shape)}")
        if not hasattr(self, "_sample_fn"):
            self._sample_fn = tf.function(self._hmc)
        x, *_ = self._sample_fn(x0, tf.constant(int(n_moves)), tf.constant(stateless_seeds(seed)[0]))
        return ops.convert_to_numpy(x)

    # -- training ----------------------------------------------------------------------
    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        x = ops.cast(x, "float32")
        seed = for_this_replica(keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32"))
        # The chains start at data: the first batch, repeated to n_chains rows. Under tf.distribute each
        # replica moves its share of the chains, from its share of the batch.
        own = this_replicas_rows(ops.convert_to_tensor(self.chains))
        start = tf.gather(x, tf.range(tf.shape(own)[0]) % tf.shape(x)[0])
        chains = tf.where(self.chains_ready > 0, own, start)
        chains, step_size, avg, acceptance = self._hmc(chains, self.hmc_moves, seed)
        # One step size for all replicas: the mean of what each replica's acceptance made of it.
        step_size, avg, acceptance = (mean_over_replicas(t) for t in (step_size, avg, acceptance))
        chains = tf.stop_gradient(chains)
        with tf.GradientTape() as tape:
            e_data, e_model = self.energy(x), self.energy(chains)
            gap = ops.mean(e_data) - ops.mean(e_model)
            loss = gap + self.energy_l2 * (ops.mean(e_data**2) + ops.mean(e_model**2))
            scaled = self.optimizer.scale_loss(loss)
        apply_step(self.optimizer, tape.gradient(scaled, self.trainable_variables), self.trainable_variables,
                   loss_scaled=True)
        self.chains.assign(from_every_replica(chains))
        self.chains_ready.assign(1)
        self.step_size.assign(step_size)
        self.avg_acceptance_rate.assign(avg)
        self.gap_tracker.update_state(gap)
        self.acceptance_tracker.update_state(acceptance)
        self.step_size_tracker.update_state(step_size)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """The energy gap between `data` and the current chains (no chain moves)."""
        x = ops.cast(data[0] if isinstance(data, (tuple, list)) else data, "float32")
        self.gap_tracker.update_state(ops.mean(self.energy(x)) - ops.mean(self.energy(self.chains)))
        return {m.name: m.result() for m in self.metrics[:1]}

    def fit(self, x=None, y=None, *args, **kwargs):
        """`Model.fit(x)`: checks numpy inputs ([n, dim], finite) and builds the model from them."""
        self._check_data(x, "fit")
        # Under tf.distribute each replica moves its share of the chains.
        check_divisible(self.n_chains, f"{type(self).__name__}.fit: n_chains", self.distribute_strategy)
        return super().fit(x, y, *args, **kwargs)

    def _check_data(self, x, what):
        if isinstance(x, np.ndarray):
            if x.ndim != 2:
                raise ValueError(f"{type(self).__name__}.{what}: x must be [n, dim]. Received: shape={x.shape}")
            bad = x.size - int(np.count_nonzero(np.isfinite(x)))
            if bad:
                raise ValueError(f"{type(self).__name__}.{what}: x holds {bad} NaN or infinite values.")
            if self.built and x.shape[1] != self.dim:
                raise ValueError(f"{type(self).__name__}.{what}: x must have {self.dim} features. "
                                 f"Received: shape={x.shape}")
        if not self.built:
            shape = (x.element_spec[0] if isinstance(x.element_spec, tuple) else x.element_spec).shape \
                if isinstance(x, tf.data.Dataset) else np.shape(x)
            with self.distribute_strategy.scope():  # mirrored under the strategy the model was created in
                self.build(tuple(shape))

    def tutorial_optimizer(self, optimizer=None):
        """`compile()`'s default: Adam(1e-3) (plain SGD on an energy network needs careful rates)."""
        return keras.optimizers.Adam(1e-3) if optimizer is None else optimizer

    def get_config(self):
        config = {**super().get_config(), "n_chains": self.n_chains,
                  "hmc_moves": self.hmc_moves, "energy_l2": self.energy_l2, "seed": self.seed,
                  "hmc_options": self.hmc_options}
        if self.network is not None:
            config["network"] = keras.saving.serialize_keras_object(self.network)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("network") is not None:
            config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)
