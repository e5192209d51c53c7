"""Seeded train/validation split, per-channel normalisation, and batch order.

Both backends get their arrays and their batch indices from here, so NumPy and
PyTorch runs with the same seeds see exactly the same examples in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from mlp_cifar.data.cache import CifarArrays

MEAN = (0.491, 0.482, 0.447)
STD = (0.247, 0.243, 0.262)
N_VAL = 5000


@dataclass(frozen=True)
class Split:
    """Normalised, flattened inputs (N, 3072) and integer labels for one subset."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class CifarSplits:
    train: Split
    val: Split
    test: Split
    archive_md5: str
    official: bool


def split_indices(n: int, n_val: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded permutation of ``range(n)`` cut into (train, validation) index arrays."""
    if not 0 < n_val < n:
        raise ValueError(f"validation size must lie in 1..{n - 1}, got {n_val}")
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def normalise(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """uint8 (N, 3072) channel-major images -> per-channel standardised ``dtype`` (N, 3072)."""
    scale = 1.0 / (255.0 * np.asarray(STD))
    shift = np.asarray(MEAN) / np.asarray(STD)
    # Channel-major layout: 1024 red values, then 1024 green, then 1024 blue.
    scale = np.repeat(scale, 1024).astype(dtype)
    shift = np.repeat(shift, 1024).astype(dtype)
    out = np.multiply(images, scale, dtype=dtype)  # the uint8 -> dtype conversion inside the one pass
    out -= shift
    return out


def make_splits(arrays: CifarArrays, n_val: int = N_VAL, split_seed: int = 42, dtype=np.float32) -> CifarSplits:
    train_idx, val_idx = split_indices(len(arrays.train_labels), n_val, split_seed)
    labels = arrays.train_labels.astype(np.int64)
    return CifarSplits(
        train=Split(normalise(arrays.train_images[train_idx], dtype), labels[train_idx]),
        val=Split(normalise(arrays.train_images[val_idx], dtype), labels[val_idx]),
        test=Split(normalise(arrays.test_images, dtype), arrays.test_labels.astype(np.int64)),
        archive_md5=arrays.archive_md5,
        official=arrays.official,
    )


def epoch_batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Shuffled index batches for one epoch; the last incomplete batch is dropped."""
    perm = rng.permutation(n)
    for start in range(0, n - batch_size + 1, batch_size):
        yield perm[start : start + batch_size]
