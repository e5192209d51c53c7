"""ZCA whitening, fitted on the training split only and applied to every split.

    splits = zca_whiten(splits, epsilon=0.1)

With the training images' mean ``m`` and covariance ``C = U diag(lambda) U^T``,
every image ``x`` (a row) becomes ``(x - m) W`` with the symmetric
``W = U diag(1 / sqrt(lambda + epsilon)) U^T``: decorrelated pixels that still
look like the image (ZCA keeps the result as close to the input as a whitening
can), with ``epsilon`` damping the many directions of tiny variance (noise).
Validation and test images are transformed with the training split's ``m`` and
``W``; they never influence them.
"""

from __future__ import annotations

import numpy as np

from mlp_cifar.data.dataset import CifarSplits, Split


def fit_zca(x: np.ndarray, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean, W) of ZCA whitening for the rows of ``x`` (N, D), in ``x``'s dtype.

    The covariance (biased, 1/N) is accumulated in ``x``'s dtype and decomposed in float64."""
    if not epsilon > 0:
        raise ValueError(f"ZCA epsilon must be positive, got {epsilon}")
    mean = x.mean(axis=0, dtype=np.float64)
    centred = x - mean.astype(x.dtype)
    cov = (centred.T @ centred).astype(np.float64) / len(x)
    del centred
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    scale = 1.0 / np.sqrt(np.maximum(eigenvalues, 0.0) + epsilon)
    w = (eigenvectors * scale) @ eigenvectors.T
    return mean.astype(x.dtype), w.astype(x.dtype)


def apply_zca(x: np.ndarray, mean: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (x - mean) @ w


def zca_whiten(splits: CifarSplits, epsilon: float) -> CifarSplits:
    """``splits`` with every split's images whitened by the ZCA transform of the training split."""
    mean, w = fit_zca(splits.train.x, epsilon)

    def whiten(split: Split) -> Split:
        return Split(apply_zca(split.x, mean, w), split.y)

    return CifarSplits(train=whiten(splits.train), val=whiten(splits.val), test=whiten(splits.test),
                       archive_md5=splits.archive_md5, official=splits.official)
