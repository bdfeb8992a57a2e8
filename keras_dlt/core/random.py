"""The seed policy: how one int `seed` becomes every random stream of a model or a run.

One int seed (or None: fresh entropy) is given to a model or an app, and
nothing else is ever needed to repeat a run:

- **Per layer** (initialisers, dropout, corruption, Gibbs units):
  `sub_seed(seed, offset)`, a fixed offset per layer (`seed + offset`; the
  offsets are part of each model's definition, so published runs stay
  reproducible). Each layer turns its seed into a `keras.random.SeedGenerator`.
- **Per step** inside compiled loops (Gibbs chains, HMC moves, AIS
  temperatures): one stateless seed `[2]` from `stateless_seeds(seed)`,
  folded with the step index, `step_seed(seed2, i)` (TF's
  `stateless_fold_in`): the same numbers on any device, any batch split.
- **Per replica** under `tf.distribute`: `replica_seed(seed2, replica_id)`,
  a fold of the replica index into the stream, so replicas never share noise.
- **Per run** (apps): `keras.utils.set_random_seed(seed)` once, for Keras'
  own shuffling and any global generator.
"""

import numpy as np
import tensorflow as tf

__all__ = ["sub_seed", "stateless_seeds", "step_seed", "replica_seed"]


def sub_seed(seed, offset):
    """The seed of a model's part number `offset` (`seed + offset`), or None when `seed` is None."""
    return None if seed is None else int(seed) + int(offset)


def stateless_seeds(seed, n=1):
    """`n` seeds `[2]` (int32, numpy `[n, 2]`) for TF's stateless random ops, derived from an int `seed`.

    The same `seed` gives the same seeds; `None` draws fresh entropy.
    """
    state = np.random.SeedSequence(seed).generate_state(2 * n).astype("int64") % (2**31 - 1)
    return state.astype("int32").reshape(n, 2)


def step_seed(seed, step):
    """The stateless seed of step `step` (int or scalar tensor) of a stream `seed` [2]."""
    return tf.random.experimental.stateless_fold_in(seed, step)


def replica_seed(seed, replica_id):
    """The stream `seed` [2] of replica `replica_id` under `tf.distribute` (a fold far from the step folds)."""
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica_id, tf.int64) + 2**40)
