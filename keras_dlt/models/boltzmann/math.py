"""The binary RBM's math, once for the whole family (RBM, DBN, AIS, GB-RBM, RNN-RBM).

Energy E(v, h) = -b'v - c'h - v'Wh; free energy (the tutorial's eq. for
binary units, in softplus form)

    F(v) = -b'v - sum_j softplus(c_j + (vW)_j),

conditionals p(h_j=1|v) = sigmoid(c_j + (vW)_j) and
p(v_i=1|h) = sigmoid(b_i + (Wh)_i) (Hinton 2002). A k-step Gibbs chain runs as
one `tf.while_loop`, so a whole chain is one compiled graph. The functions
take the weights as arguments, so models whose biases vary per example (the
RNN-RBM) and the annealed chains of AIS use them too.
"""

import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.core.checks import check_unit_interval
from keras_dlt.core.random import step_seed

__all__ = ["free_energy", "bernoulli", "gibbs_chain", "binarize"]


def free_energy(v, kernel, visible_bias, hidden_bias):
    """F(v) = -v.b - sum_j softplus((vW + c)_j), per row of `v` [n, n_visible].

    The biases may be vectors or per-example matrices [n, size].
    """
    return -ops.sum(v * visible_bias, axis=-1) - ops.sum(ops.softplus(ops.matmul(v, kernel) + hidden_bias), axis=-1)


def bernoulli(p, seed):
    """A 0/1 sample of the probabilities `p` (float, same shape) from a stateless seed [2]."""
    return tf.cast(tf.random.stateless_uniform(tf.shape(p), seed=seed, dtype=p.dtype) < p, p.dtype)


def gibbs_chain(h0, k, kernel, visible_bias, hidden_bias, seed, unroll=False, average_after=None):
    """k steps h -> v -> h of block Gibbs sampling, in one `tf.while_loop`.

    Args:
        h0: starting hidden states [n, n_hidden] (0/1).
        k: number of steps (int or scalar tensor, >= 1).
        kernel, visible_bias, hidden_bias: the RBM's weights (biases may be
            per-example matrices).
        seed: stateless seed [2] (int32); step i uses `fold_in(seed, i)`.
        unroll: with a Python int `k`, write the k steps out instead of a
            loop (faster for small matrices, where a loop's per-step
            overhead dominates). A Python `k` of 1 is always written out.
        average_after: with a step count b < k, also return `v_mean_average`,
            the mean of the visible means p(v = 1 | h) over steps b + 1..k
            (a Rao-Blackwellised estimate of the marginals along the chain,
            after b steps of burn-in).

    Returns:
        dict with the last step's `v_logits` (pre-sigmoid), `v_mean`, `v`
        (sample), `h_mean` and `h` (sample), as the tutorial's
        `gibbs_hvh` scan returns at the chain end.
    """
    wt = tf.transpose(kernel)
    n_visible = tf.shape(kernel)[0]
    dtype = h0.dtype
    after = -1 if average_after is None else average_after

    def step(i, h, v_logits, v, h_mean, total):
        s = step_seed(seed, i)
        s_v, s_h = tf.unstack(tf.random.experimental.stateless_split(s, 2))
        v_logits = tf.matmul(h, wt) + visible_bias
        v_mean = tf.sigmoid(v_logits)
        v = bernoulli(v_mean, s_v)
        h_mean = tf.sigmoid(tf.matmul(v, kernel) + hidden_bias)
        if average_after is not None:
            total = total + tf.cast(i >= after, dtype) * v_mean
        return i + 1, bernoulli(h_mean, s_h), v_logits, v, h_mean, total

    n = tf.shape(h0)[0]
    zeros_v = tf.zeros([n, n_visible], dtype)
    start = (tf.constant(0), h0, zeros_v, zeros_v, tf.zeros_like(h0), zeros_v)
    # One step (CD-1) is never a loop: a one-iteration while loop costs its control ops and keeps the step's last,
    # unused, hidden sample alive (RBM CD-1 epoch -16 to -19 %, the same weights; bench/NOTES.md).
    if isinstance(k, int) and (unroll or k == 1):
        state = start
        for _ in range(k):
            state = step(*state)
    else:
        state = tf.while_loop(lambda i, *_: i < k, step, start, parallel_iterations=1)
    _, h, v_logits, v, h_mean, total = state
    out = {"v_logits": v_logits, "v_mean": tf.sigmoid(v_logits), "v": v, "h_mean": h_mean, "h": h}
    if average_after is not None:
        out["v_mean_average"] = total / tf.cast(k - after, dtype)
    return out


def binarize(x, seed=None):
    """Binary samples of grey levels: 1 with probability x (S&M's stochastic binarisation of MNIST)."""
    x = np.asarray(x, "float32")
    check_unit_interval(x, "binarize: x")
    return (np.random.default_rng(seed).random(x.shape, dtype="float32") < x).astype("float32")
