"""Small real-valued data sets for the continuous energy models (HMC-trained EnergyModel, GB-RBM)."""

import numpy as np

__all__ = ["gaussian_mixture", "MIXTURE_CENTERS", "pooled_digits"]

#: The default mixture: three well-separated 2-D modes, equal weights, standard deviation 0.5.
MIXTURE_CENTERS = ((-2.0, 0.0), (2.0, 0.0), (0.0, 2.5))


def gaussian_mixture(n, centers=MIXTURE_CENTERS, scale=0.5, seed=None):
    """`n` points of an equal-weight mixture of isotropic Gaussians, float32 [n, dim].

    Args:
        n: number of points.
        centers: the modes, [k, dim]. Default `MIXTURE_CENTERS` (2-D, three modes).
        scale: each mode's standard deviation. Default 0.5.
        seed: int; the same seed gives the same points.
    """
    centers = np.asarray(centers, "float64")
    if centers.ndim != 2 or not len(centers):
        raise ValueError(f"gaussian_mixture: centers must be [k, dim]. Received: shape={centers.shape}")
    if not scale > 0:
        raise ValueError(f"gaussian_mixture: scale must be > 0. Received: scale={scale}")
    rng = np.random.default_rng(seed)
    x = centers[rng.integers(0, len(centers), int(n))] + scale * rng.normal(size=(int(n), centers.shape[1]))
    return x.astype("float32")


def pooled_digits(x, pool=4, min_std=0.05):
    """Real-valued features from digit images: mean-pooled, near-constant pixels dropped, standardised.

    Args:
        x: images [n, 784] or [n, 28, 28] in [0, 1].
        pool: pooling window (4 gives 7 x 7 pixels). Must divide 28.
        min_std: pooled pixels whose standard deviation is below it (the
            always-blank border) are dropped.

    Returns:
        (features float32 [n, d], kept: the indices of the kept pooled pixels,
        mean [d], std [d]) so that features * std + mean are pooled pixels.
    """
    x = np.asarray(x, "float32")
    if x.ndim not in (2, 3) or x.shape[1:] not in ((784,), (28, 28)):
        raise ValueError(f"pooled_digits: x must be [n, 784] or [n, 28, 28] images. Received: shape={x.shape}")
    if 28 % pool:
        raise ValueError(f"pooled_digits: pool must divide 28. Received: pool={pool}")
    side = 28 // pool
    pooled = x.reshape(-1, side, pool, side, pool).mean(axis=(2, 4)).reshape(len(x), side * side)
    std = pooled.std(0)
    kept = np.flatnonzero(std > min_std)
    if not len(kept):
        raise ValueError(f"pooled_digits: every pooled pixel is (near) constant (std <= {min_std}).")
    mean, std = pooled[:, kept].mean(0), std[kept]
    return ((pooled[:, kept] - mean) / std).astype("float32"), kept, mean, std
