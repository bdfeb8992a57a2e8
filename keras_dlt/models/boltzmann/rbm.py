"""The RBM tutorial (rbm.py) as a Keras model trained by `fit(x)`: CD-k (Hinton 2002) or PCD-k (Tieleman 2008)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.core.checks import check_unit_interval
from keras_dlt.core.export import ExportsEndpoints
from keras_dlt.core.finite import FailOnNonFinite
from keras_dlt.core.products import sum_of_products
from keras_dlt.core.random import stateless_seeds
from keras_dlt.core.replicas import apply_step, check_divisible, from_every_replica, this_replicas_rows
from keras_dlt.models.boltzmann.ais import rbm_log_partition_ais, rbm_log_partition_exact
from keras_dlt.models.boltzmann.layer import RBMLayer
from keras_dlt.models.boltzmann.math import bernoulli, gibbs_chain
from keras_dlt.models.tutorial_sgd import TutorialSGD
from keras_dlt.models.visible_inputs import VisibleInputs

__all__ = ["RBM"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class RBM(ExportsEndpoints, VisibleInputs, TutorialSGD, keras.Model):
    """Binary RBM trained by `fit(x)` with CD-k or PCD-k.

    Each step lowers mean F(v_data) - mean F(v_chain), the chain's end held
    constant (its gradient is the data statistics minus the model's). CD-k
    starts the chain at the data; PCD-k continues `n_chains` persistent
    chains, kept in a non-trainable variable (saved and restored with the
    model). The negative phase always uses all persistent chains, so a batch
    size other than `n_chains`, or a smaller last batch, is handled exactly.

    `fit` reports the tutorial's monitor: `pseudo_likelihood` (stochastic,
    one visible bit per step, PCD) or `reconstruction_cost` (cross-entropy
    of the data and the chain's last visible means, CD). Inputs lie in
    [0, 1]; grey levels are treated as probabilities, as the tutorial does.

    Args:
        n_hidden: hidden units. Default 500.
        k: Gibbs steps per update. Default 15.
        persistent: PCD (True, default) or CD (False).
        seed: seed of the initialisation and of all sampling.
        n_chains: persistent chains (PCD). Default 20, the tutorial's batch.
        dense: optional sigmoid `Dense` to train in place (the DBN uses this).

    Example:
        >>> rbm = RBM(n_hidden=500, k=15, persistent=True, seed=123)
        >>> rbm.compile()                          # SGD, lr 0.1 (the tutorial's)
        >>> rbm.fit(x_train, batch_size=20, epochs=15)
        >>> means = rbm.sample(x_test[:20], n_samples=10, steps_between=1000)
        >>> rbm.log_likelihood(binary_x_test, data=x_train)     # AIS
    """

    default_learning_rate = 0.1

    def __init__(self, n_hidden=500, k=15, persistent=True, seed=None, n_chains=20, dense=None, **kwargs):
        kwargs.setdefault("dtype", "float32")  # free energies and Gibbs probabilities in float32 under any policy
        super().__init__(**kwargs)
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"RBM: k (Gibbs steps per update) must be an int >= 1. Received: k={k}")
        if not isinstance(n_chains, (int, np.integer)) or n_chains < 1:
            raise ValueError(f"RBM: n_chains must be an int >= 1. Received: n_chains={n_chains}")
        self.rbm = RBMLayer(n_hidden, dense=dense, seed=seed, name="rbm", dtype=self.dtype_policy)
        self.n_hidden = self.rbm.units
        self.k = int(k)
        self.persistent = bool(persistent)
        self.seed = seed
        self.n_chains = int(n_chains)
        self.cost_tracker = keras.metrics.Mean(name="pseudo_likelihood" if self.persistent else "reconstruction_cost")
        self._sampler = None
        self._seen_counts = None  # (per-pixel sums, n) of the numpy data given to fit

    @property
    def metrics(self):
        return [self.cost_tracker]

    def _n_visible(self):
        return self.rbm.n_visible if self.rbm.dense.built else None

    def build(self, input_shape):
        n_visible = int(np.prod(input_shape[1:]))
        self.rbm.build((None, n_visible))
        if self.persistent:
            # Hidden states of the chains (the tutorial's `persistent` shared variable), zeros at start.
            self.persistent_chain = self.add_weight(
                name="persistent_chain", shape=(self.n_chains, self.n_hidden), initializer="zeros", trainable=False
            )
        # Which visible bit the stochastic pseudo-likelihood flips next.
        self.pl_bit = self.add_weight(name="pl_bit", shape=(), dtype="int32", initializer="zeros", trainable=False)
        self.built = True

    # -- the tutorial's quantities ------------------------------------------
    def call(self, inputs):
        """p(h=1|v), the hidden means."""
        return self.rbm(self._flat(inputs))

    def free_energy(self, v):
        """F(v) = -v.b - sum_j softplus(c_j + (vW)_j), [n]."""
        return self.rbm.free_energy(self._flat(v))

    def pseudo_likelihood(self, v, advance=True):
        """The tutorial's stochastic pseudo-likelihood of a batch (mean over it).

        n_visible * log sigmoid(F(x~) - F(x)), x = round(v), x~ = x with bit
        `pl_bit` flipped; written as -n_visible * softplus(F(x) - F(x~)). With
        `advance`, the next call flips the next bit (as the tutorial cycles).
        """
        rbm = self.rbm
        xi = ops.round(self._flat(v))
        n_visible = rbm.n_visible
        bit = ops.convert_to_tensor(self.pl_bit)
        a = ops.matmul(xi, rbm.kernel) + rbm.hidden_bias
        d = 1.0 - 2.0 * ops.take(xi, bit, axis=1)  # +1 where the bit goes 0 -> 1
        # x~ W = x W + d W[bit]: a rank-one change, no second matmul.
        a_flip = a + d[:, None] * ops.take(rbm.kernel, bit, axis=0)[None, :]
        vb = ops.sum(xi * rbm.visible_bias, axis=-1)
        fe_xi = -vb - ops.sum(ops.softplus(a), axis=-1)
        fe_flip = -(vb + d * ops.take(rbm.visible_bias, bit)) - ops.sum(ops.softplus(a_flip), axis=-1)
        if advance:
            self.pl_bit.assign((self.pl_bit + 1) % n_visible)
        return -n_visible * ops.mean(ops.softplus(fe_xi - fe_flip))

    def free_energy_gap(self, v, v_model):
        """The training cost mean F(v) - mean F(v_model); its gradient, `v_model` held constant, drives learning."""
        return ops.mean(self.rbm.free_energy(v)) - ops.mean(self.rbm.free_energy(tf.stop_gradient(v_model)))

    def negative_phase(self, v, h_data=None):
        """The Gibbs chain's end: from a sample of p(h|v) (CD) or from the persistent chain (PCD)."""
        if self.persistent:  # under tf.distribute, this replica's share of the chains
            h0 = this_replicas_rows(ops.convert_to_tensor(self.persistent_chain))
        else:
            h0 = bernoulli(ops.sigmoid(ops.matmul(v, self.rbm.kernel) + self.rbm.hidden_bias) if h_data is None
                           else h_data, self.rbm.next_seed())
        return self.rbm.gibbs(h0, self.k)

    def _monitor(self, v, end):
        if self.persistent:
            return self.pseudo_likelihood(v)
        # Cross-entropy of the data and the chain's visible means, from logits.
        logits = end["v_logits"]
        return ops.mean(ops.sum(ops.softplus(logits) - v * logits, axis=-1))

    def train_step(self, data):
        rbm = self.rbm
        v = self._flat(data[0] if isinstance(data, (tuple, list)) else data)
        h_data = ops.sigmoid(ops.matmul(v, rbm.kernel) + rbm.hidden_bias)  # p(h|v_data)
        end = self.negative_phase(v, h_data)
        monitor = self._monitor(v, end)  # with the weights before the update, as the tutorial
        # The gradient of `free_energy_gap` written out (the same numbers as autodiff of it, checked in the
        # tests, with the matmuls of the forward pass reused): data statistics minus the chain's. The kernel's,
        # v_model^T h_model / m - v^T h_data / n, in one matmul (CD-1 epoch -9 to -12 %, bench/NOTES.md).
        v_model, h_model = end["v"], end["h_mean"]
        n, m = ops.cast(ops.shape(v)[0], v.dtype), ops.cast(ops.shape(v_model)[0], v.dtype)
        grads = [
            sum_of_products((v_model, h_model / m), (v, -h_data / n)),
            ops.mean(h_model, axis=0) - ops.mean(h_data, axis=0),
            ops.mean(v_model, axis=0) - ops.mean(v, axis=0),
        ]
        apply_step(self.optimizer, grads, [rbm.kernel, rbm.hidden_bias, rbm.visible_bias])
        if self.persistent:  # every replica's chains, in order: each chain goes on where it was
            self.persistent_chain.assign(from_every_replica(end["h"]))
        self.cost_tracker.update_state(monitor)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        v = self._flat(data[0] if isinstance(data, (tuple, list)) else data)
        if self.persistent:
            monitor = self.pseudo_likelihood(v)
        else:
            monitor = self._monitor(v, self.negative_phase(v))
        self.cost_tracker.update_state(monitor)
        return {m.name: m.result() for m in self.metrics}

    # -- sampling ------------------------------------------------------------
    def sample(self, v0, n_samples=10, steps_between=1000, seed=None):
        """Runs parallel Gibbs chains from `v0` and keeps their visible means.

        As the tutorial's sampling: one chain per row of `v0` (e.g. 20 test
        digits); `steps_between` steps v -> h -> v between kept samples.

        Returns:
            numpy [n_samples, n_chains, n_visible] of p(v=1|h), the visible
            means of each kept step.
        """
        v0 = np.asarray(v0, "float32").reshape(len(v0), -1)
        check_unit_interval(v0, "RBM.sample: v0")
        if n_samples < 1 or steps_between < 1:
            raise ValueError(f"RBM.sample: n_samples and steps_between must be >= 1. Received: {n_samples}, {steps_between}")
        self._build_from(v0)
        self._flat(v0)
        self._check_finite("RBM.sample")
        if self._sampler is None:
            rbm = self.rbm

            @tf.function(reduce_retracing=True)
            def advance(h, steps, seed):
                end = gibbs_chain(h, steps, rbm.kernel, rbm.visible_bias, rbm.hidden_bias, seed)
                return end["h"], end["v_mean"]

            self._sampler = advance
        seeds = stateless_seeds(seed, n_samples + 1)
        h = self.rbm.sample_h_given_v(tf.constant(v0), seed=tf.constant(seeds[0]))[1]
        out = []
        for i in range(n_samples):
            h, v_mean = self._sampler(h, tf.constant(int(steps_between)), tf.constant(seeds[i + 1]))
            out.append(v_mean.numpy())
        return np.stack(out)

    # -- likelihood ------------------------------------------------------------
    def log_partition(self, method="ais", n_runs=100, betas=None, data=None, seed=None):
        """log Z: `"exact"` by enumeration (<= 24 hidden or visible units) or `"ais"`.

        AIS (Salakhutdinov & Murray 2008) from a base-rate model fitted to
        `data` (the training data). Without `data`, the pixel rates of the
        data this model was fitted on in this process are used; with neither,
        the base is uniform and an `AISWarning` says the estimate may be far
        too low (as when the bound is -inf). `n_runs` runs over
        `betas` (default: S&M's 14,500 temperatures). Returns
        `LogPartition(log_z, low, high)`; `low`/`high` are S&M's
        log(mean(w) -+ 3 std / sqrt(runs)) bounds.
        """
        if not self.built:
            raise ValueError("RBM.log_partition: the model is not built; fit it or call it on data first.")
        weights = [ops.convert_to_numpy(w) for w in (self.rbm.kernel, self.rbm.visible_bias, self.rbm.hidden_bias)]
        if method == "exact":
            return rbm_log_partition_exact(*weights)
        if method == "ais":
            if data is not None:
                data = np.asarray(data, "float32").reshape(len(data), -1)
                check_unit_interval(data, "RBM.log_partition: data")
            return rbm_log_partition_ais(*weights, n_runs=n_runs, betas=betas, data=data, seed=seed,
                                         data_counts=None if data is not None else self._seen_counts)
        raise ValueError(f'RBM.log_partition: method must be "ais" or "exact". Received: method={method!r}')

    def log_likelihood(self, x, log_z=None, **kwargs):
        """Average log p(x) = mean(-F(x)) - log Z over binary `x`.

        Args:
            x: binary vectors (0/1), e.g. test digits binarised (see
                `binarize`). Grey levels are refused: p(x) is defined for
                binary states only.
            log_z: a `LogPartition` or float; default: `log_partition(**kwargs)`.

        Returns:
            (mean log-likelihood, LogPartition used). With AIS, the
            log-likelihood is as uncertain as log Z (S&M's bounds).
        """
        x = np.asarray(x, "float32").reshape(len(x), -1)
        if not np.all((x == 0) | (x == 1)):
            raise ValueError(
                "RBM.log_likelihood: x must be binary (0/1); found values such as "
                f"{x[(x != 0) & (x != 1)][:3].tolist()}. Binarise first, e.g. keras_dlt.models.boltzmann.binarize(x, seed)."
            )
        self._flat(x)
        if log_z is None:
            log_z = self.log_partition(**kwargs)
        value = log_z.log_z if hasattr(log_z, "log_z") else float(log_z)
        mean_neg_f = float(np.mean(np.concatenate([
            -ops.convert_to_numpy(self.free_energy(x[i:i + 10000])) for i in range(0, len(x), 10000)])))
        return mean_neg_f - value, log_z

    # -- checks, export, config -------------------------------------------------
    def _check_finite(self, what):
        for w in self.rbm.weights:
            if not np.all(np.isfinite(ops.convert_to_numpy(w))):
                raise ValueError(f"{what}: the RBM's weight '{w.path}' holds NaN or infinite values (training "
                                 "diverged? try a lower learning rate).")

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`Model.fit(x)` after `VisibleInputs`' checks, from finite weights.

        NaN or inf later, or a collapsed model (a pseudo-likelihood of exactly 0, i.e. certainty about every
        bit: saturated units), raise `TrainingDiverged`.
        """
        self._check_finite("RBM.fit")
        if self.persistent:  # under tf.distribute each replica continues its share of the chains
            check_divisible(self.n_chains, "RBM.fit: n_chains", self.distribute_strategy)
        callbacks = [FailOnNonFinite("RBM.fit", collapsed=_saturated), *(callbacks or [])]  # first: before backups
        history = super().fit(x, y, *args, callbacks=callbacks, **kwargs)
        if isinstance(x, np.ndarray) and x.size:  # the data's pixel rates: AIS's base when no data is given later
            flat = x.reshape(len(x), -1).astype("float64")
            sums, n = self._seen_counts or (0.0, 0)
            self._seen_counts = (sums + flat.sum(0), n + len(flat))
        return history

    def endpoints(self):
        """SavedModel endpoints: `serve` and `hidden` (p(h=1|v)) and `free_energy` (F(v)), of `[n, n_visible]` float32."""
        spec = [tf.TensorSpec((None, self.rbm.n_visible), tf.float32, name="v")]
        return {"serve": (self.call, spec), "hidden": (self.call, spec), "free_energy": (self.free_energy, spec)}

    def get_config(self):
        return {**super().get_config(), "n_hidden": self.n_hidden, "k": self.k,
                "persistent": self.persistent, "seed": self.seed, "n_chains": self.n_chains}


def _saturated(rbm, logs):
    """A pseudo-likelihood of 0 nats says the model is certain of every visible bit: its units saturated."""
    pl = logs.get("pseudo_likelihood")
    if pl is not None and float(pl) >= -1e-6:
        top = max(float(np.abs(ops.convert_to_numpy(w)).max()) for w in rbm.rbm.weights)
        return (f"the pseudo-likelihood reads {float(pl)} (a perfect score): the units saturated (weights up to "
                f"{top:.3g})")
    return None
