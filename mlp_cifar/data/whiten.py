"""ZCA whitening, fitted on the training split only and applied to every split.

    splits = zca_whiten(splits, epsilon=0.1)

With the training images' mean ``m`` and covariance ``C = U diag(lambda) U^T``,
every image ``x`` (a row) becomes ``(x - m) W`` with the symmetric
``W = U diag(1 / sqrt(lambda + epsilon)) U^T``: decorrelated pixels that still
look like the image (ZCA keeps the result as close to the input as a whitening
can), with ``epsilon`` damping the many directions of tiny variance (noise).
Validation and test images are transformed with the training split's ``m`` and
``W``; they never influence them.

The same eigenvectors, ordered by decreasing eigenvalue, are the principal directions of the
training images, whitened or not (whitening rescales each direction but keeps them all):

    splits, directions, kept = zca_whiten_with_directions(splits, epsilon=0.1, components=768)

``whitened @ directions`` are each image's coordinates along the 768 directions of largest variance.
"""

from __future__ import annotations

import numpy as np

from mlp_cifar.data.dataset import CifarSplits, Split


def fit_zca(x: np.ndarray, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean, W) of ZCA whitening for the rows of ``x`` (N, D), in ``x``'s dtype.

    The covariance (biased, 1/N) is accumulated in ``x``'s dtype and decomposed in float64."""
    mean, w, _, _ = fit_zca_with_directions(x, epsilon)
    return mean, w


def fit_zca_with_directions(x: np.ndarray, epsilon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mean, W, directions, variances) of ZCA whitening for the rows of ``x``, as `fit_zca`;
    ``directions`` (D, D) holds the covariance's eigenvectors as columns, by decreasing eigenvalue
    lambda, and ``variances`` (float64) the whitened images' variance along each,
    lambda / (lambda + epsilon)."""
    if not epsilon > 0:
        raise ValueError(f"ZCA epsilon must be positive, got {epsilon}")
    mean = x.mean(axis=0, dtype=np.float64)
    centred = x - mean.astype(x.dtype)
    cov = (centred.T @ centred).astype(np.float64) / len(x)
    del centred
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    scale = 1.0 / np.sqrt(np.maximum(eigenvalues, 0.0) + epsilon)
    w = (eigenvectors * scale) @ eigenvectors.T
    directions = eigenvectors[:, ::-1]  # eigh sorts ascending
    variances = (np.maximum(eigenvalues, 0.0) * scale**2)[::-1]
    return mean.astype(x.dtype), w.astype(x.dtype), directions.astype(x.dtype), variances


def apply_zca(x: np.ndarray, mean: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (x - mean) @ w


def zca_whiten(splits: CifarSplits, epsilon: float) -> CifarSplits:
    """``splits`` with every split's images whitened by the ZCA transform of the training split."""
    return zca_whiten_with_directions(splits, epsilon, components=0)[0]


def zca_whiten_with_directions(splits: CifarSplits, epsilon: float,
                               components: int) -> tuple[CifarSplits, np.ndarray | None, float | None]:
    """(`zca_whiten`'s splits, the training split's ``components`` principal directions of largest
    variance as a C-contiguous (D, components) array, the fraction of the whitened training images'
    variance along them) from one eigendecomposition; with ``components=0``, (splits, None, None)."""
    dims = splits.train.x.shape[1]
    if not (isinstance(components, int) and 0 <= components <= dims):
        raise ValueError(f"components must be an integer in 0..{dims}, got {components!r}")
    mean, w, directions, variances = fit_zca_with_directions(splits.train.x, epsilon)

    def whiten(split: Split) -> Split:
        return Split(apply_zca(split.x, mean, w), split.y)

    whitened = CifarSplits(train=whiten(splits.train), val=whiten(splits.val), test=whiten(splits.test),
                           archive_md5=splits.archive_md5, official=splits.official)
    if not components:
        return whitened, None, None
    kept = float(variances[:components].sum() / variances.sum())
    return whitened, np.ascontiguousarray(directions[:, :components]), kept
