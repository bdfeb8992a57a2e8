"""What a hand-written training step does differently under `tf.distribute` and mixed precision
(one device in float32: nothing at all).

Keras sums the replicas' gradients (`optimizer.apply` all-reduces them), and
divides its compiled losses by the number of replicas so that the sum is the
one-device gradient; the tutorials' own steps (the dA's written-out gradient,
the RBM's statistics, the energy models' gap) do the same with
`across_replicas`. Each replica draws its own random numbers
(`for_this_replica`: its id folded into the seed, `core.random.replica_seed`).
Persistent chains are one variable, mirrored: each replica moves its rows
(`this_replicas_rows`) and every replica writes back all of them
(`from_every_replica`), so the total number of chains, each chain's
continuity and the saved file are those of one device. With one replica
(no strategy) every function returns its input.

Under a mixed-precision policy Keras' `compile` wraps the optimizer in a
`LossScaleOptimizer`, which divides the gradients it is given by its loss
scale: `apply_step` gives it written-out gradients multiplied by that scale
(or, from a tape on `optimizer.scale_loss(cost)`, as they are).
"""

import tensorflow as tf

from keras_dlt.core.random import replica_seed

__all__ = ["apply_step", "replicas", "across_replicas", "for_this_replica", "this_replicas_rows", "from_every_replica",
           "mean_over_replicas", "check_divisible"]


def _context():
    return tf.distribute.get_replica_context()


def replicas():
    """The number of replicas training in sync (1 without a strategy, or in a cross-replica context)."""
    ctx = _context()
    return 1 if ctx is None else ctx.num_replicas_in_sync


def across_replicas(grads):
    """The gradients divided by the number of replicas: Keras' all-reduce sums them into the global batch's."""
    n = replicas()
    return grads if n == 1 else [None if g is None else g / n for g in grads]


def apply_step(optimizer, grads, variables, loss_scaled=False):
    """`optimizer.apply` of a hand-written step's gradients, as Keras' own `train_step` would apply them.

    Multiplies them by the optimizer's loss scale unless `loss_scaled` (they
    came from a tape on `optimizer.scale_loss(cost)`), and divides them by the
    number of replicas. With a plain optimizer and one replica: `apply` itself.
    """
    scale = optimizer.scale_loss(1.0)  # a LossScaleOptimizer's dynamic scale; 1.0 otherwise
    if not loss_scaled and not (isinstance(scale, float) and scale == 1.0):
        grads = [None if g is None else g * tf.cast(scale, g.dtype) for g in grads]
    optimizer.apply(across_replicas(grads), variables)


def for_this_replica(seed):
    """A stateless seed [2] of this replica's own stream (unchanged with one replica)."""
    ctx = _context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return seed
    return tf.cast(replica_seed(seed, ctx.replica_id_in_sync_group), seed.dtype)


def this_replicas_rows(x):
    """This replica's equal share of the rows of `x` (all of them with one replica)."""
    ctx = _context()
    n = 1 if ctx is None else ctx.num_replicas_in_sync
    if n == 1:
        return x
    rows = tf.shape(x)[0] // n
    return x[ctx.replica_id_in_sync_group * rows:(ctx.replica_id_in_sync_group + 1) * rows]


def from_every_replica(rows):
    """Every replica's `rows`, concatenated in replica order (what `this_replicas_rows` split)."""
    ctx = _context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return rows
    return ctx.all_gather(rows, axis=0)


def mean_over_replicas(x):
    """The mean of `x` over the replicas (e.g. an acceptance rate that adapts one shared step size)."""
    ctx = _context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return x
    return ctx.all_reduce(tf.distribute.ReduceOp.MEAN, x)


def check_divisible(count, what, strategy):
    """Raises a `ValueError` unless `count` (chains, a batch) splits evenly over `strategy`'s replicas."""
    n = strategy.num_replicas_in_sync
    if count % n:
        raise ValueError(f"{what}={count} must be a multiple of the {n} replicas of {type(strategy).__name__} "
                         f"(each replica takes an equal share).")
