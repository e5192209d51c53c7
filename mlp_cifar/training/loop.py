"""The training loop: one run of one configuration on one backend -> one JSON document.

The loop owns everything both backends share: seeds, batch order, learning rate per epoch,
metrics, best-validation model, divergence handling and the result document. A backend only knows
how to take one SGD step, evaluate, and save/restore its state (mlp_cifar.training.numpy_backend,
mlp_cifar.training.torch_backend).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import sys
import time
from typing import Callable

import numpy as np
from tqdm import tqdm

from mlp_cifar.augment import PaddedImages, augment_batch
from mlp_cifar.data.dataset import CifarSplits, epoch_batches
from mlp_cifar.data.whiten import zca_whiten_with_directions
from mlp_cifar.provenance import machine, package_versions
from mlp_cifar.schedules import make_schedule
from mlp_cifar.training import BACKEND_CLASSES
from mlp_cifar.training.config import RunConfig


def make_backend(cfg: RunConfig, rng: np.random.Generator, directions: np.ndarray | None = None):
    """The backend of ``cfg`` (its class loaded by name: mlp_cifar.training.BACKEND_CLASSES)."""
    module, _, name = BACKEND_CLASSES[cfg.backend].partition(":")
    return getattr(importlib.import_module(module), name)(cfg, rng, directions)


def seeded_generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent (initialisation, batch order) generators from one seed, shared by both backends."""
    init_seq, batch_seq = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init_seq), np.random.default_rng(batch_seq)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def train(cfg: RunConfig, splits: CifarSplits, lr_at_epoch: Callable[[int], float] | None = None,
          progress: bool = True) -> dict:
    """Train ``cfg`` on ``splits``; return the run's result document (JSON-serialisable).

    ``lr_at_epoch(epoch)`` (epochs counted from 0) gives the learning rate; by
    default it is ``cfg``'s schedule (a constant ``cfg.lr`` unless one is set). A non-finite batch loss stops the run
    and marks it diverged; the best model so far is still evaluated on the test set.
    """
    if cfg.threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=cfg.threads):
            return _train(cfg, splits, lr_at_epoch, progress)
    return _train(cfg, splits, lr_at_epoch, progress)


def stepwise_epoch(backend, gather: Callable[[np.ndarray], np.ndarray], train_y, batches, lr,
                   on_batch: Callable[[], object]) -> tuple[list[float], list[int]]:
    """One epoch, one ``train_step`` per batch, ``gather`` (`batch_gatherer`) giving each batch's
    inputs from its indices: the batch losses (up to the first non-finite one) and the correct
    predictions of each batch."""
    losses, corrects = [], []
    for idx in batches:
        loss, n_correct = backend.train_step(gather(idx), train_y[idx], lr)
        losses.append(loss)
        if not math.isfinite(loss):
            break
        corrects.append(n_correct)
        on_batch()
    return losses, corrects


def batch_gatherer(train_x: np.ndarray, batch_size: int, rng: np.random.Generator,
                   augmentation: dict) -> Callable[[np.ndarray], np.ndarray]:
    """The function from a batch's indices to its training inputs, augmented as ``augmentation``
    says (`RunConfig.augmentation`) with draws from ``rng``. Its result is valid until its next call."""
    if augmentation["crop"]:
        # The training images padded once: each batch is then gathered and cropped in one copy.
        padded = PaddedImages(train_x, augmentation["crop"])
        return lambda idx: padded.batch(idx, rng, augmentation["flip"])
    xb = np.empty((batch_size, train_x.shape[1]), dtype=train_x.dtype)  # reused gather buffer

    def gather(idx: np.ndarray) -> np.ndarray:
        # mode="clip": with the default mode="raise", take() gathers into a temporary and copies
        # that into ``out`` (NumPy buffers ``out`` to keep it intact on an index error): a second copy
        # of every batch. Indices of a permutation are always in range, so clipping never acts.
        np.take(train_x, idx, axis=0, out=xb, mode="clip")
        # Without flips, augment_batch returns xb itself and draws nothing: the run is as without it.
        return augment_batch(xb, rng, augmentation["flip"])

    return gather


def _train(cfg, splits, lr_at_epoch, progress) -> dict:
    lr_at_epoch = lr_at_epoch or make_schedule(cfg.lr, cfg.schedule, cfg.epochs).learning_rate
    whiten_seconds, directions, variance_kept = 0.0, None, None
    if cfg.zca:
        t_whiten = time.perf_counter()
        # Fitted on the training split only; the directions come from the same eigendecomposition.
        splits, directions, variance_kept = zca_whiten_with_directions(splits, cfg.zca, cfg.pca or 0)
        whiten_seconds = time.perf_counter() - t_whiten
    dtype = np.dtype(cfg.dtype)
    train_x = splits.train.x if splits.train.x.dtype == dtype else splits.train.x.astype(dtype)
    val_x = splits.val.x.astype(dtype, copy=False)
    test_x = splits.test.x.astype(dtype, copy=False)
    init_rng, batch_rng = seeded_generators(cfg.seed)
    if directions is not None:
        directions = directions.astype(dtype, copy=False)
    backend = make_backend(cfg, init_rng, directions)

    n_batches = len(splits.train) // cfg.batch_size
    if n_batches == 0:
        raise ValueError(f"batch_size {cfg.batch_size} exceeds the {len(splits.train)} training examples")
    augmentation = cfg.augmentation()
    # PyTorch on a GPU keeps the training split there and reads the losses back once per epoch.
    resident = not any(augmentation.values()) and backend.keep_on_device(train_x, splits.train.y)
    gather = None if resident else batch_gatherer(train_x, cfg.batch_size, batch_rng, augmentation)
    batch_losses: list[float | None] = []
    epochs: list[dict] = []
    best = {"epoch": None, "val_accuracy": -1.0, "state": None}
    diverged_at = None
    trained_seconds = 0.0  # also the batches of an epoch that diverged
    started = time.perf_counter()

    bar = tqdm(total=cfg.epochs * n_batches, desc=f"{cfg.backend} lr={cfg.lr:g}", unit="batch",
               file=sys.stderr, disable=not progress, mininterval=1.0)
    for epoch in range(cfg.epochs):
        lr = float(lr_at_epoch(epoch))
        t0 = time.perf_counter()
        # The whole epoch's order is drawn first, then (stepwise) each batch's augmentation.
        batches = list(epoch_batches(len(splits.train), cfg.batch_size, batch_rng))
        if resident:
            losses, corrects = backend.resident_epoch(batches, lr, on_batch=bar.update)
        else:
            losses, corrects = stepwise_epoch(backend, gather, splits.train.y, batches, lr, on_batch=bar.update)
        # Each epoch ends at the first non-finite loss: the run diverged there.
        finite = next((b for b, loss in enumerate(losses) if not math.isfinite(loss)), len(losses))
        losses, corrects = losses[:finite + 1], corrects[:finite]
        batch_losses.extend(_finite_or_none(loss) for loss in losses)
        if finite < len(batches):
            diverged_at = {"epoch": epoch + 1, "batch": finite + 1}
        loss_sum = sum(loss * cfg.batch_size for loss in losses[:finite])
        correct, seen = sum(corrects), finite * cfg.batch_size
        train_seconds = time.perf_counter() - t0
        trained_seconds += train_seconds
        if diverged_at:
            break
        t1 = time.perf_counter()
        val_loss, val_acc = backend.evaluate(val_x, splits.val.y)
        epochs.append({
            "epoch": epoch + 1,
            "lr": lr,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": _finite_or_none(val_loss),
            "val_accuracy": val_acc,
            "train_seconds": train_seconds,
            "eval_seconds": time.perf_counter() - t1,
        })
        bar.set_postfix(val_acc=f"{val_acc:.4f}")
        if val_acc > best["val_accuracy"]:
            best = {"epoch": epoch + 1, "val_accuracy": val_acc, "state": backend.state()}
    bar.close()

    test_loss = test_acc = None
    if best["state"] is not None:
        backend.load_state(best["state"])
        test_loss, test_acc = backend.evaluate(test_x, splits.test.y)
        test_loss = _finite_or_none(test_loss)

    return {
        "config": dataclasses.asdict(cfg),
        "seed": cfg.seed,
        "data": {
            "archive_md5": splits.archive_md5,
            "official_archive": splits.official,
            "n_train": len(splits.train),
            "n_val": len(splits.val),
            "n_test": len(splits.test),
        },
        "batch_losses": batch_losses,
        "batches_per_epoch": n_batches,
        "epochs": epochs,
        "best_epoch": best["epoch"],
        "best_val_accuracy": best["val_accuracy"] if best["epoch"] else None,
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "diverged": diverged_at is not None,
        "diverged_at": diverged_at,
        "train_seconds": trained_seconds,
        "whiten_seconds": whiten_seconds,  # ZCA fit and transform, before training; 0 without
        "pca_variance_kept": variance_kept,  # of the whitened training images, along the kept directions
        "total_seconds": time.perf_counter() - started + whiten_seconds,
        "device": backend.device,
        "threads": backend.threads(),  # in effect during training: BLAS (numpy) or torch intra-op threads
        "versions": package_versions(),
        "machine": machine(),
    }
