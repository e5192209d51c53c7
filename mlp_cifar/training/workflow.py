"""The workflow's training job (scripts/train.py): train configured runs on the prepared splits, one
after another in one process, and write each run's document."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train


def train_runs(cache: str, splits_dir: str, runs: Iterable[tuple[Mapping, str]], data: dict, threads: int) -> None:
    """The workflow's training job: each (settings, output document) of ``runs``, one after another in
    this process (rule train: one run; rule train_sweep_rate: a learning rate's runs, which then pay
    the process's start-up once)."""
    for settings, out in runs:
        train_run(cache, splits_dir, dict(settings), data, out, threads)


def train_run(cache: str, splits_dir: str, settings: dict, data: dict, out: str, threads: int) -> dict:
    """The workflow's training job: train one configured run on the prepared splits (float32; other
    dtypes normalise the cached arrays themselves), write its document."""
    from mlp_cifar.data import split_files
    from mlp_cifar.data.cache import load_cache
    from mlp_cifar.data.dataset import make_splits
    from mlp_cifar.job import available_threads
    from mlp_cifar.provenance import made_here
    from mlp_cifar.results_cache import write_sealed_json

    cfg = RunConfig(**{**settings, "threads": available_threads(threads)})
    if np.dtype(cfg.dtype) == split_files.DTYPE:
        splits = split_files.read_splits(splits_dir, n_val=data["n_val"], split_seed=data["split_seed"])
    else:
        splits = make_splits(load_cache(cache), n_val=data["n_val"], split_seed=data["split_seed"], dtype=cfg.dtype)
    doc = train(cfg, splits)
    doc["data"]["split_seed"] = data["split_seed"]
    doc["made"] = made_here()
    return write_sealed_json(out, doc)  # the results cache's entry: its checksum is checked before use
