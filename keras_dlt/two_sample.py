"""Do two sets of points come from the same distribution? The kernel two-sample test (MMD).

Used to check that an energy model's samples match its data (Gretton et al.
2012): MMD^2 with a Gaussian kernel, unbiased estimate, bandwidth by the
median heuristic, and a permutation p-value.
"""

import collections

import numpy as np

__all__ = ["mmd2", "mmd_test", "MMDTest"]

#: The result of `mmd_test`: the MMD^2 statistic, its permutation p-value and the kernel bandwidth used.
MMDTest = collections.namedtuple("MMDTest", ["mmd2", "p_value", "bandwidth"])


def _sq_dists(a, b):
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)


def _check(x, name):
    x = np.asarray(x, "float64")
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"{name} must be [n >= 2, dim] points. Received: shape={x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinite values.")
    return x


def _median_bandwidth(z):
    d = _sq_dists(z, z)
    return float(np.sqrt(0.5 * np.median(d[np.triu_indices(len(z), 1)])))


def _mmd2_from_gram(k, n):
    """Unbiased MMD^2 from the Gram matrix of the pooled sample (first n rows = x)."""
    m = len(k) - n
    kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2.0 * kxy.mean())


def mmd2(x, y, bandwidth=None):
    """Unbiased MMD^2 between samples `x` [n, d] and `y` [m, d], Gaussian kernel exp(-|a-b|^2 / (2 bw^2)).

    `bandwidth` defaults to the median heuristic on the pooled sample. Near 0
    (it can be slightly negative) when both come from one distribution.
    """
    x, y = _check(x, "x"), _check(y, "y")
    z = np.concatenate([x, y])
    bw = _median_bandwidth(z) if bandwidth is None else float(bandwidth)
    return float(_mmd2_from_gram(np.exp(-_sq_dists(z, z) / (2 * bw * bw)), len(x)))


def mmd_test(x, y, n_permutations=200, bandwidth=None, seed=0):
    """MMD^2 of `x` and `y` with a permutation p-value (small p: the distributions differ).

    Returns:
        `MMDTest(mmd2, p_value, bandwidth)`.
    """
    x, y = _check(x, "x"), _check(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension. Received: {x.shape} and {y.shape}")
    z = np.concatenate([x, y])
    bw = _median_bandwidth(z) if bandwidth is None else float(bandwidth)
    k = np.exp(-_sq_dists(z, z) / (2 * bw * bw))
    n = len(x)
    stat = _mmd2_from_gram(k, n)
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(int(n_permutations)):
        p = rng.permutation(len(z))
        exceed += _mmd2_from_gram(k[np.ix_(p, p)], n) >= stat
    return MMDTest(float(stat), (exceed + 1) / (int(n_permutations) + 1), bw)
