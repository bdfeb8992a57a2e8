"""Small helpers shared by models and apps."""

__all__ = ["steps_per_execution_for"]


def steps_per_execution_for(n_batches, target=100):
    """The largest divisor of `n_batches` not above `target`.

    Running that many minibatches per compiled call is much faster for small
    steps, and, dividing the epoch, keeps per-epoch callbacks (validation
    points) exactly where the tutorial has them.
    """
    best = 1
    for k in range(1, min(n_batches, target) + 1):
        if n_batches % k == 0:
            best = k
    return best
