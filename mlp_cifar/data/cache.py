"""Convert the archive once into a compact uint8 array file that both backends read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlp_cifar.atomic import atomic_path
from mlp_cifar.data.archive import TEST_BATCH, TRAIN_BATCHES, archive_info, read_batches

CACHE_KEYS = ("train_images", "train_labels", "test_images", "test_labels", "archive_md5", "official")


@dataclass(frozen=True)
class CifarArrays:
    """The whole data set as stored in the cache: uint8 images (N, 3072), uint8 labels (N,)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    archive_md5: str
    official: bool


def build_cache(archive: str | Path, cache: str | Path) -> CifarArrays:
    """Validate ``archive`` and write its arrays to ``cache`` (an ``.npz``), atomically."""
    batches = read_batches(archive)
    info = archive_info(archive)
    arrays = CifarArrays(
        train_images=np.concatenate([batches[n][0] for n in TRAIN_BATCHES]),
        train_labels=np.concatenate([batches[n][1] for n in TRAIN_BATCHES]),
        test_images=batches[TEST_BATCH][0],
        test_labels=batches[TEST_BATCH][1],
        archive_md5=info.md5,
        official=info.official,
    )
    with atomic_path(cache) as tmp, open(tmp, "wb") as f:
        np.savez(f, **{k: getattr(arrays, k) for k in CACHE_KEYS})
    return arrays


def load_cache(cache: str | Path) -> CifarArrays:
    cache = Path(cache)
    if not cache.is_file():
        raise FileNotFoundError(f"CIFAR-10 cache {cache} does not exist; build it from the archive first")
    with np.load(cache) as f:
        missing = [k for k in CACHE_KEYS if k not in f.files]
        if missing:
            raise ValueError(f"CIFAR-10 cache {cache} lacks arrays {missing}; rebuild it")
        return CifarArrays(
            train_images=f["train_images"],
            train_labels=f["train_labels"],
            test_images=f["test_images"],
            test_labels=f["test_labels"],
            archive_md5=str(f["archive_md5"]),
            official=bool(f["official"]),
        )
