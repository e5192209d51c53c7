"""The normalised float32 splits, written once per (archive, n_val, split_seed) and memory-mapped by
every training job, instead of each job loading the cache and normalising 184 M pixels again.

One ``.npy`` file per array (``train_x.npy``, ``train_y.npy``, ``val_x.npy``, ...) and
``splits.json`` saying which archive and split they hold. Jobs map the files copy-on-write: the
pages come from the operating system's cache, shared by jobs running side by side, and a job that
writes into its arrays gets private copies (nothing reaches the files).

    write_splits(make_splits(load_cache(cache), n_val, split_seed), "data/splits", n_val, split_seed)
    splits = read_splits("data/splits", n_val=5000, split_seed=42)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mlp_cifar.atomic import atomic_path, write_json
from mlp_cifar.data.dataset import CifarSplits, Split

DTYPE = np.dtype(np.float32)  # the trainer's default; float64 runs normalise from the cache
PARTS = ("train", "val", "test")
ARRAY_FILES = tuple(f"{part}_{xy}.npy" for part in PARTS for xy in ("x", "y"))
META_FILE = "splits.json"
FILES = (*ARRAY_FILES, META_FILE)


def write_splits(splits: CifarSplits, directory: str | Path, n_val: int, split_seed: int) -> None:
    """Write every array of ``splits`` (each file atomically) and, last, the description."""
    directory = Path(directory)
    for part in PARTS:
        split = getattr(splits, part)
        if split.x.dtype != DTYPE:
            raise ValueError(f"prepared splits are {DTYPE}; got {split.x.dtype} for {part}")
        for xy, array in (("x", split.x), ("y", split.y)):
            with atomic_path(directory / f"{part}_{xy}.npy") as tmp, open(tmp, "wb") as f:
                np.save(f, array)
    write_json(directory / META_FILE, {
        "archive_md5": splits.archive_md5, "official": splits.official, "n_val": n_val,
        "split_seed": split_seed, "dtype": DTYPE.name,
        "sizes": {part: len(getattr(splits, part)) for part in PARTS},
    })


def prepare_splits(cache: str | Path, directory: str | Path, n_val: int, split_seed: int, **_) -> None:
    """The workflow's step: normalise the cached arrays' split once and write it (other keys of the
    config's ``data`` section are ignored)."""
    from mlp_cifar.data.cache import load_cache
    from mlp_cifar.data.dataset import make_splits

    write_splits(make_splits(load_cache(cache), n_val=n_val, split_seed=split_seed, dtype=DTYPE),
                 directory, n_val, split_seed)


def read_splits(directory: str | Path, n_val: int, split_seed: int) -> CifarSplits:
    """Map the splits written by `write_splits`; an error names the file when they are missing or
    hold another split than (``n_val``, ``split_seed``)."""
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"prepared splits {meta_path} do not exist; run the prepare_splits rule first")
    meta = json.loads(meta_path.read_text())
    if (meta.get("n_val"), meta.get("split_seed"), meta.get("dtype")) != (n_val, split_seed, DTYPE.name):
        raise ValueError(f"{meta_path} holds n_val={meta.get('n_val')}, split_seed={meta.get('split_seed')}, "
                         f"{meta.get('dtype')}; expected n_val={n_val}, split_seed={split_seed}, {DTYPE.name}")
    parts = {}
    for part in PARTS:
        x = np.load(directory / f"{part}_x.npy", mmap_mode="c")
        y = np.load(directory / f"{part}_y.npy")
        if len(x) != len(y) or len(y) != meta["sizes"][part]:
            raise ValueError(f"{directory / (part + '_x.npy')}: {len(x)} images and {len(y)} labels, "
                             f"expected {meta['sizes'][part]} of each (rebuild the prepared splits)")
        parts[part] = Split(x, y)
    return CifarSplits(**parts, archive_md5=meta["archive_md5"], official=meta["official"])
