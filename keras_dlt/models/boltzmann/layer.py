"""The binary RBM as a Keras layer: its weights (possibly a classifier's own `Dense`), conditionals, chains."""

import keras
from keras import ops

from keras_dlt.core.replicas import for_this_replica
from keras_dlt.layers.hidden_dense import build_hidden_dense, hidden_dense, with_wrapped_dense
from keras_dlt.models.boltzmann.math import bernoulli, free_energy, gibbs_chain

__all__ = ["RBMLayer"]


# Registered as "keras_dlt>RBMLayer": the model `keras_dlt.models.RBM` holds "keras_dlt>RBM".
@keras.saving.register_keras_serializable(package="keras_dlt", name="RBMLayer")
class RBM(keras.layers.Layer):
    """Binary-binary RBM layer (public name `RBMLayer`): weights, free energy, conditionals, Gibbs chains.

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
        >>> rbm = RBMLayer(500, seed=1)
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
        """A fresh stateless seed [2] from the layer's seed generator (this replica's own under tf.distribute)."""
        return for_this_replica(keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32"))

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
        return cls(**with_wrapped_dense(config, "dense"))


# The public name. The class keeps its old name because `.keras` files store a layer's weights under its class
# name (`layers/rbm/...`): files saved before the rename must keep loading (tested with files from f8ac23a).
#: The binary RBM layer's public name (`keras_dlt.layers.RBMLayer`): the class `RBM` above.
RBMLayer = RBM
