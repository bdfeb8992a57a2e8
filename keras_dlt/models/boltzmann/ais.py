"""The partition function of a binary RBM: annealed importance sampling, and exact enumeration.

AIS (Neal 2001; Salakhutdinov & Murray 2008, "On the quantitative analysis of
deep belief networks") anneals from a base-rate RBM A (W = 0, hidden biases 0,
visible biases fitted to the data's pixel means), whose log Z_A is known, to
the RBM B through the intermediate unnormalised marginals

    log p*_beta(v) = (1 - beta) v.b_A + beta v.b_B + sum_j softplus(beta (vW + c)_j)

(at beta = 0 the hidden sum gives n_hidden log 2, at beta = 1 it is -F_B(v)).
Each run accumulates log w = sum_k [log p*_k(v_k) - log p*_{k-1}(v_k)], with
v_{k+1} drawn by one Gibbs step that leaves p_k invariant; then
Z_B / Z_A ~ mean(w). As S&M report, the bounds are log(mean(w) +- 3 std(w)/sqrt(runs)).
The whole annealing is one compiled `tf.while_loop`; the log-mean-exp comes
from `tfp.math`.

Like any AIS, it underestimates log Z when the intermediate chains stop
mixing (e.g. a small RBM with large weights crossing a sharp transition in
beta): then a few runs dominate, and the lower bound becomes -inf. Treat
such an estimate as a lower bound only; more temperatures or runs, or
another base (`data=None`), help.
"""

import typing
import warnings

import numpy as np
import tensorflow as tf

from keras_dlt.core.random import stateless_seeds, step_seed
from keras_dlt.models.boltzmann.math import bernoulli

__all__ = ["LogPartition", "AISWarning", "ais_betas", "anneal", "rbm_log_partition_ais", "rbm_log_partition_exact",
           "rbm_log_partition_ais_batch"]


class LogPartition(typing.NamedTuple):
    """An estimate of log Z with its bounds (both equal to it when exact).

    Attributes:
        log_z: the estimate.
        low, high: AIS's bounds log(mean(w) -+ 3 std(w) / sqrt(runs)) (Salakhutdinov & Murray 2008); `low` is
            -inf when the runs' weights spread more than their mean.
    """

    log_z: float
    low: float
    high: float


def ais_betas(n=14500):
    """S&M 2008's schedule scaled to `n` temperatures: 1000/14500 of them on [0, .5), 4000 on [.5, .9), the rest on [.9, 1]."""
    if n < 10:
        raise ValueError(f"ais_betas: n must be >= 10. Received: n={n}")
    n1 = max(1, round(n * 1000 / 14500))
    n2 = max(1, round(n * 4000 / 14500))
    n3 = n - n1 - n2
    return np.concatenate([np.linspace(0, 0.5, n1, endpoint=False), np.linspace(0.5, 0.9, n2, endpoint=False),
                           np.linspace(0.9, 1.0, n3)]).astype("float32")


class AISWarning(UserWarning):
    """An AIS estimate that is likely far from the truth (a uniform base, or a few runs dominating)."""


def base_rate_bias(data, n_visible, counts=None):
    """Visible biases of the base-rate model: log-odds of the data's pixel means (Laplace-smoothed).

    From `data` [n, n_visible], or from `counts` = (per-pixel sums, n) of data seen earlier; zeros (a uniform
    base) without either.
    """
    if data is not None:
        data = np.asarray(data, "float64").reshape(len(data), -1)
        counts = (data.sum(0), len(data))
    if counts is None:
        return np.zeros(n_visible, "float32")
    sums, n = counts
    p = (np.asarray(sums, "float64") + 1.0) / (n + 2.0)
    return np.log(p / (1 - p)).astype("float32")


def _check_weights(kernel, visible_bias, hidden_bias, what):
    weights = [np.asarray(w) for w in (kernel, visible_bias, hidden_bias)]
    for name, w in zip(("kernel", "visible_bias", "hidden_bias"), weights):
        if not np.all(np.isfinite(w)):
            raise ValueError(f"{what}: the RBM's {name} holds NaN or infinite values (did training diverge?).")
    return weights


def rbm_log_partition_ais(kernel, visible_bias, hidden_bias, n_runs=100, betas=None, data=None, seed=None,
                          data_counts=None):
    """AIS estimate of log Z of a binary RBM.

    Args:
        kernel, visible_bias, hidden_bias: the RBM's weights ([n_v, n_h], [n_v], [n_h]).
        n_runs: independent annealing runs. Default 100 (S&M).
        betas: increasing inverse temperatures from 0 to 1. Default
            `ais_betas(14500)` (S&M).
        data: training data [n, n_v] for the base-rate model (recommended:
            it makes the base close to the data). Default: uniform base.
        seed: int, makes the estimate repeatable.
        data_counts: `(per-pixel sums, n)` of the training data, when the
            data itself is not at hand (`RBM` keeps them from `fit`).

    Returns:
        `LogPartition(log_z, low, high)`, floats.
    """
    import tensorflow_probability as tfp

    w, bv, bh = (x.astype("float32") for x in _check_weights(kernel, visible_bias, hidden_bias, "rbm_log_partition_ais"))
    n_visible, n_hidden = w.shape
    betas = ais_betas() if betas is None else np.asarray(betas, "float32")
    if betas.ndim != 1 or len(betas) < 2 or betas[0] != 0 or betas[-1] != 1 or np.any(np.diff(betas) < 0):
        raise ValueError("rbm_log_partition_ais: betas must increase from 0 to 1.")
    if n_runs < 2:
        raise ValueError(f"rbm_log_partition_ais: n_runs must be >= 2. Received: n_runs={n_runs}")
    if data is None and data_counts is None:
        warnings.warn("rbm_log_partition_ais: no data for the base-rate model, so AIS starts from the uniform "
                      "distribution; on MNIST-like data that estimate can be tens of nats below log Z. Pass the "
                      "training data (data=...).", AISWarning, stacklevel=3)
    ba = base_rate_bias(data, n_visible, data_counts)
    log_z_base = float(np.sum(np.logaddexp(0.0, ba.astype("float64"))) + n_hidden * np.log(2.0))
    seed = stateless_seeds(seed)[0]
    # Base A: W = 0, hidden biases 0, visible biases `ba`; its exact samples start the runs.
    v0 = bernoulli(tf.broadcast_to(tf.sigmoid(tf.constant(ba)), [int(n_runs), n_visible]), step_seed(seed, -1))
    logw = anneal(tf.constant(w), tf.constant(ba), tf.constant(bv), tf.zeros_like(bh), tf.constant(bh),
                  tf.constant(betas), v0, tf.constant(seed))
    log_ratio = float(tfp.math.reduce_logmeanexp(logw))
    # Bounds as S&M: log(mean(w) +- 3 std(w) / sqrt(runs)), computed relative to max(log w).
    logw = logw.numpy()
    r = np.exp(logw - logw.max())
    mean, se = r.mean(), r.std(ddof=1) / np.sqrt(len(r))
    low = np.log(mean - 3 * se) if mean > 3 * se else -np.inf
    if low == -np.inf:
        warnings.warn(f"rbm_log_partition_ais: the lower bound is -inf: a few of the {int(n_runs)} runs dominate, "
                      f"so log Z is likely underestimated (treat it as a lower bound); use more temperatures "
                      f"(betas) or runs.", AISWarning, stacklevel=3)
    return LogPartition(log_z_base + log_ratio, float(log_z_base + logw.max() + low),
                        float(log_z_base + logw.max() + np.log(mean + 3 * se)))


@tf.function(reduce_retracing=True)
def anneal(w, bv_a, bv_b, bh_a, bh_b, betas, v0, seed):
    """The AIS annealing loop, one compiled `tf.while_loop` for every AIS here: log w of each run.

    From RBM A (no weights, biases `bv_a`, `bh_a`) to RBM B (`w`, `bv_b`,
    `bh_b`) through the intermediate marginals (S&M 2008, eq. 11-12)

        log p*_beta(v) = v.((1-beta) bv_a + beta bv_b) + sum_j softplus(beta (vW)_j + (1-beta) bh_a + beta bh_b),

    biases vectors or per-run matrices [n_runs, size]; `v0` [n_runs, n_v]
    are exact samples of A; each temperature adds log p*_k(v) - log
    p*_{k-1}(v), then one Gibbs step v -> h -> v leaves p_k invariant.
    """
    wt = tf.transpose(w)
    d_bv, d_bh = bv_b - bv_a, bh_b - bh_a

    def body(k, v, logw):
        b_prev, b = betas[k - 1], betas[k]
        a = tf.matmul(v, w)
        step = (b - b_prev) * tf.reduce_sum(v * d_bv, axis=-1) + tf.reduce_sum(
            tf.nn.softplus(b * a + bh_a + b * d_bh) - tf.nn.softplus(b_prev * a + bh_a + b_prev * d_bh), axis=1)
        logw = tf.ensure_shape(logw + tf.cast(step, tf.float64), [None])
        s_h, s_v = tf.unstack(tf.random.experimental.stateless_split(step_seed(seed, k), 2))
        h = bernoulli(tf.sigmoid(b * a + bh_a + b * d_bh), s_h)
        v = bernoulli(tf.sigmoid(bv_a + b * d_bv + b * tf.matmul(h, wt)), s_v)
        return k + 1, tf.ensure_shape(v, v0.shape), logw

    _, _, logw = tf.while_loop(lambda k, *_: k < tf.shape(betas)[0], body,
                               (tf.constant(1), v0, tf.zeros([tf.shape(v0)[0]], tf.float64)), parallel_iterations=1)
    return logw


def rbm_log_partition_exact(kernel, visible_bias, hidden_bias, max_units=24):
    """Exact log Z of a binary RBM, summing over all states of its smaller layer (<= `max_units` units).

    Sums exp(h.c + sum_i softplus((W h + b)_i)) over the 2^n_h hidden states
    (or exp(-F(v)) over the visible states when that layer is smaller), in
    float64, in chunks.
    """
    w, bv, bh = (x.astype("float64") for x in _check_weights(kernel, visible_bias, hidden_bias, "rbm_log_partition_exact"))
    if w.shape[1] > w.shape[0]:
        w, bv, bh = w.T, bh, bv  # enumerate the visible layer instead: same sum by symmetry
    n = w.shape[1]
    if n > max_units:
        raise ValueError(
            f"rbm_log_partition_exact: enumerating 2^{n} states is too many (max_units={max_units}); use AIS."
        )
    parts = []
    chunk = 1 << min(n, 16)
    for start in range(0, 1 << n, chunk):
        idx = np.arange(start, start + chunk, dtype=np.int64)
        states = ((idx[:, None] >> np.arange(n)) & 1).astype("float64")  # [chunk, n]
        log_f = states @ bh + np.logaddexp(0.0, states @ w.T + bv).sum(1)
        parts.append(np.logaddexp.reduce(log_f))
    log_z = float(np.logaddexp.reduce(np.array(parts)))
    return LogPartition(log_z, log_z, log_z)


def rbm_log_partition_ais_batch(kernel, visible_biases, hidden_biases, n_runs=100, n_betas=1000, seed=None):
    """AIS estimates of log Z for a batch of RBMs sharing `kernel` but each with its own biases (RNN-RBM frames).

    Base of each: the same biases and no weights (log Z_A = sum softplus(b) +
    sum softplus(c), exact); intermediate RBMs scale the weights by beta,
    `n_betas` temperatures linear in [0, 1]; `n_runs` runs per RBM, all RBMs
    and runs annealed together in one compiled loop.

    Args:
        kernel: [n_visible, n_hidden].
        visible_biases: [B, n_visible]; hidden_biases: [B, n_hidden].

    Returns:
        numpy float64 [B]: the log Z estimates.
    """
    import tensorflow_probability as tfp

    w = tf.cast(tf.convert_to_tensor(kernel), tf.float32)
    bv = tf.cast(tf.convert_to_tensor(visible_biases), tf.float32)
    bh = tf.cast(tf.convert_to_tensor(hidden_biases), tf.float32)
    if bv.shape.rank != 2 or bh.shape.rank != 2 or bv.shape[0] != bh.shape[0] or bv.shape[1] != w.shape[0] \
            or bh.shape[1] != w.shape[1]:
        raise ValueError(f"rbm_log_partition_ais_batch: need kernel [nv, nh], visible_biases [B, nv], hidden_biases "
                         f"[B, nh]. Received: {tuple(w.shape)}, {tuple(bv.shape)}, {tuple(bh.shape)}")
    if n_runs < 1 or n_betas < 2:
        raise ValueError(f"rbm_log_partition_ais_batch: need n_runs >= 1 and n_betas >= 2. Received: {n_runs}, {n_betas}")
    batch = bv.shape[0]
    bv_r, bh_r = tf.repeat(bv, n_runs, axis=0), tf.repeat(bh, n_runs, axis=0)
    seed = tf.constant(stateless_seeds(seed)[0])
    v0 = bernoulli(tf.sigmoid(bv_r), step_seed(seed, -1))  # exact samples of each base (the same biases, W = 0)
    logw = anneal(w, bv_r, bv_r, bh_r, bh_r, tf.constant(np.linspace(0.0, 1.0, int(n_betas)), tf.float32), v0, seed)
    logw = tf.reshape(logw, (batch, n_runs))
    log_z_base = tf.reduce_sum(tf.nn.softplus(bv), 1) + tf.reduce_sum(tf.nn.softplus(bh), 1)
    return (tf.cast(log_z_base, tf.float64) + tfp.math.reduce_logmeanexp(logw, axis=1)).numpy()
