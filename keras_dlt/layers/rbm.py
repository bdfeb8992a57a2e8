"""RBM: the binary restricted Boltzmann machine of the tutorial (Hinton 2002; Tieleman 2008).

Energy E(v, h) = -b'v - c'h - v'Wh; free energy (the tutorial's eq. for
binary units, in softplus form)

    F(v) = -b'v - sum_j softplus(c_j + (vW)_j),

conditionals p(h_j=1|v) = sigmoid(c_j + (vW)_j) and
p(v_i=1|h) = sigmoid(b_i + (Wh)_i). A k-step Gibbs chain runs as one
`tf.while_loop`, so a whole chain is one compiled graph.

The pieces are also module functions taking the weights as arguments
(`free_energy`, `gibbs_chain`), so models whose biases vary per example (the
RNN-RBM) reuse them.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_dlt.layers.hidden_dense import build_hidden_dense, hidden_dense

__all__ = ["RBM", "free_energy", "bernoulli", "gibbs_chain"]


def free_energy(v, kernel, visible_bias, hidden_bias):
    """F(v) = -v.b - sum_j softplus((vW + c)_j), per row of `v` [n, n_visible].

    The biases may be vectors or per-example matrices [n, size].
    """
    return -ops.sum(v * visible_bias, axis=-1) - ops.sum(ops.softplus(ops.matmul(v, kernel) + hidden_bias), axis=-1)


def bernoulli(p, seed):
    """A 0/1 sample of the probabilities `p` (float, same shape) from a stateless seed [2]."""
    return tf.cast(tf.random.stateless_uniform(tf.shape(p), seed=seed, dtype=p.dtype) < p, p.dtype)


def gibbs_chain(h0, k, kernel, visible_bias, hidden_bias, seed, unroll=False):
    """k steps h -> v -> h of block Gibbs sampling, in one `tf.while_loop`.

    Args:
        h0: starting hidden states [n, n_hidden] (0/1).
        k: number of steps (int or scalar tensor, >= 1).
        kernel, visible_bias, hidden_bias: the RBM's weights (biases may be
            per-example matrices).
        seed: stateless seed [2] (int32); step i uses `fold_in(seed, i)`.
        unroll: with a Python int `k`, write the k steps out instead of a
            loop (faster for small matrices, where a loop's per-step
            overhead dominates; the same numbers).

    Returns:
        dict with the last step's `v_logits` (pre-sigmoid), `v_mean`, `v`
        (sample), `h_mean` and `h` (sample), as the tutorial's
        `gibbs_hvh` scan returns at the chain end.
    """
    wt = tf.transpose(kernel)
    n_visible = tf.shape(kernel)[0]
    dtype = h0.dtype

    def step(i, h, v_logits, v, h_mean):
        s = tf.random.experimental.stateless_fold_in(seed, i)
        s_v, s_h = tf.unstack(tf.random.experimental.stateless_split(s, 2))
        v_logits = tf.matmul(h, wt) + visible_bias
        v = bernoulli(tf.sigmoid(v_logits), s_v)
        h_mean = tf.sigmoid(tf.matmul(v, kernel) + hidden_bias)
        return i + 1, bernoulli(h_mean, s_h), v_logits, v, h_mean

    n = tf.shape(h0)[0]
    zeros_v = tf.zeros([n, n_visible], dtype)
    if unroll and isinstance(k, int):
        state = (tf.constant(0), h0, zeros_v, zeros_v, tf.zeros_like(h0))
        for _ in range(k):
            state = step(*state)
        _, h, v_logits, v, h_mean = state
        return {"v_logits": v_logits, "v_mean": tf.sigmoid(v_logits), "v": v, "h_mean": h_mean, "h": h}
    _, h, v_logits, v, h_mean = tf.while_loop(
        lambda i, *_: i < k, step, (tf.constant(0), h0, zeros_v, zeros_v, tf.zeros_like(h0)),
        parallel_iterations=1,
    )
    return {"v_logits": v_logits, "v_mean": tf.sigmoid(v_logits), "v": v, "h_mean": h_mean, "h": h}


# Registered as "keras_dlt>RBMLayer": the model `keras_dlt.models.RBM` holds "keras_dlt>RBM".
@keras.saving.register_keras_serializable(package="keras_dlt", name="RBMLayer")
class RBM(keras.layers.Layer):
    """Binary-binary RBM layer: weights, free energy, conditionals, Gibbs chains.

    Calling the layer returns p(h=1|v), the hidden means (as a sigmoid
    `Dense` would: when the layer wraps one, the two agree).

    Args:
        units: hidden units (ignored when `dense` is given). Default 500.
        dense: an existing `keras.layers.Dense` with sigmoid activation whose
            kernel W and bias c the RBM uses in place (a DBN's pretraining
            trains the classifier's own weights). Default: a new one, with the
            tutorial's initialisation (uniform +-4 sqrt(6/(n_v+n_h))).
        seed: seed of the Bernoulli sampling (and the default initialiser).

    Example:
        >>> rbm = RBM(500, seed=1)
        >>> h_mean = rbm(v)                     # p(h=1|v), [n, 500]
        >>> f = rbm.free_energy(v)              # [n]
        >>> end = rbm.gibbs(rbm.sample_h_given_v(v)[1], k=15)
    """

    def __init__(self, units=500, dense=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        dense = hidden_dense(units, dense, seed, "RBM", "dense", "dense")
        self.dense = dense
        self.units = dense.units
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        n_visible = build_hidden_dense(self.dense, input_shape, "RBM")
        self.visible_bias = self.add_weight(name="visible_bias", shape=(n_visible,), initializer="zeros")

    @property
    def kernel(self):
        """W, [n_visible, n_hidden] (the wrapped Dense's kernel)."""
        return self.dense.kernel

    @property
    def hidden_bias(self):
        """c, [n_hidden] (the wrapped Dense's bias)."""
        return self.dense.bias

    @property
    def n_visible(self):
        return self.dense.kernel.shape[0]

    def next_seed(self):
        """A fresh stateless seed [2] from the layer's seed generator."""
        return keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32")

    # -- energies and conditionals -------------------------------------------
    def free_energy(self, v):
        """F(v), [n]."""
        return free_energy(v, self.kernel, self.visible_bias, self.hidden_bias)

    def propup(self, v):
        """(pre-sigmoid, mean) of p(h=1|v)."""
        pre = ops.matmul(v, self.kernel) + self.hidden_bias
        return pre, ops.sigmoid(pre)

    def propdown(self, h):
        """(pre-sigmoid, mean) of p(v=1|h)."""
        pre = ops.matmul(h, ops.transpose(self.kernel)) + self.visible_bias
        return pre, ops.sigmoid(pre)

    def sample_h_given_v(self, v, seed=None):
        """(mean, sample) of h given v."""
        _, mean = self.propup(v)
        return mean, bernoulli(mean, self.next_seed() if seed is None else seed)

    def sample_v_given_h(self, h, seed=None):
        """(mean, sample) of v given h."""
        _, mean = self.propdown(h)
        return mean, bernoulli(mean, self.next_seed() if seed is None else seed)

    def gibbs(self, h0, k, seed=None):
        """`gibbs_chain` from hidden states `h0` for `k` steps h -> v -> h."""
        return gibbs_chain(h0, k, self.kernel, self.visible_bias, self.hidden_bias,
                           self.next_seed() if seed is None else seed)

    def call(self, inputs):
        return self.propup(inputs)[1]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "dense": keras.saving.serialize_keras_object(self.dense), "seed": self.seed})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["dense"] = keras.saving.deserialize_keras_object(config["dense"])
        return cls(**config)
