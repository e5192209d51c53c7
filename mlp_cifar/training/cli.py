"""Command line: train one MLP on CIFAR-10 and write its result document.

    python -m mlp_cifar.training.cli --archive PATH/cifar-10-python.tar.gz --out results/runs/default.json

Defaults are the assignment's: one hidden layer of 128 ReLU units, SGD with
learning rate 0.1, batch 128, 10 epochs, no batch norm, seed 42.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from mlp_cifar.atomic import write_json
from mlp_cifar.data.archive import ArchiveError
from mlp_cifar.data.dataset import N_VAL, make_splits
from mlp_cifar.data.source import CACHE_NAME, load_arrays
from mlp_cifar.signals import Stopped, stop_on_signals
from mlp_cifar.training.config import BACKENDS, DEVICES, DTYPES, InvalidRunConfig, RunConfig
from mlp_cifar.training.loop import train


def parse_args(argv=None) -> argparse.Namespace:
    d = RunConfig()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archive", help="local CIFAR-10 python archive (default: download the official one)")
    p.add_argument("--data-dir", default="data", help="where the download and the array cache live")
    p.add_argument("--out", required=True, help="JSON result document to write")
    p.add_argument("--backend", choices=BACKENDS, default=d.backend)
    p.add_argument("--hidden", type=int, nargs="*", default=d.hidden, help="hidden layer sizes; none = logistic regression")
    p.add_argument("--batch-norm", action="store_true")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--momentum", type=float, default=d.momentum)
    p.add_argument("--weight-decay", type=float, default=d.weight_decay)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--split-seed", type=int, default=42)
    p.add_argument("--n-val", type=int, default=N_VAL)
    p.add_argument("--dtype", choices=DTYPES, default=d.dtype)
    p.add_argument("--device", choices=DEVICES, default=d.device, help="torch device; auto: CUDA when available")
    p.add_argument("--schedule", type=json.loads, default=None,
                   help='learning-rate schedule as JSON, e.g. \'{"name": "cosine"}\' (default: constant)')
    p.add_argument("--flip", action="store_true", help="augment: random horizontal flips")
    p.add_argument("--crop", type=int, default=0, help="augment: random crops, zero-padded by this many pixels")
    p.add_argument("--zca", type=float, default=None, help="ZCA whitening with this epsilon (fitted on the training split)")
    p.add_argument("--pca", type=int, default=None,
                   help="with --zca: feed the network each whitened image's coordinates along this many principal directions")
    p.add_argument("--label-smoothing", type=float, default=0.0, help="training targets (1 - e) onehot + e / 10")
    p.add_argument("--ema", type=float, default=None,
                   help="evaluate a moving average of the weights with this decay per step (numpy)")
    p.add_argument("--flip-tta", action="store_true", help="evaluate each image and its mirror image, averaging logits")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--no-progress", action="store_true")
    return p.parse_args(argv)


class UsageError(Exception):
    """A command-line value that cannot work, found before any training."""


def run_config(args: argparse.Namespace) -> RunConfig:
    """The run's settings; a bad one is reported by its option (``--lr 0.0: expected ...``)."""
    try:
        return RunConfig(backend=args.backend, hidden=args.hidden, batch_norm=args.batch_norm, lr=args.lr,
                         batch_size=args.batch_size, epochs=args.epochs, momentum=args.momentum,
                         weight_decay=args.weight_decay, seed=args.seed, dtype=args.dtype, device=args.device,
                         threads=args.threads, schedule=args.schedule, zca=args.zca, pca=args.pca,
                         label_smoothing=args.label_smoothing, ema=args.ema, flip_tta=args.flip_tta,
                         augment={"flip": args.flip, "crop": args.crop} if args.flip or args.crop else None)
    except InvalidRunConfig as err:
        given = {k: (f"--{k.replace('_', '-')} {v!r}" if k != "augment" else f"--crop {args.crop}")
                 for k, v in err.values.items()}
        raise UsageError("; ".join(f"{given[k]}: expected {what}" for k, what in err.expected.items())) from None
    except ValueError as err:  # the schedule's own check (mlp_cifar.schedules)
        raise UsageError(f"--schedule: {err}") from None


def check_writable(directory: Path, what: str) -> None:
    """Fail now, not after the training, when ``directory`` cannot take a new file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as err:
        raise UsageError(f"cannot write {what} in {directory}: {err.strerror}") from None


def check_sizes(n_images: int, n_val: int, batch_size: int) -> None:
    if not 0 < n_val < n_images:
        raise UsageError(f"--n-val {n_val}: expected 1..{n_images - 1} (the archive has {n_images} training images)")
    if batch_size > n_images - n_val:
        raise UsageError(f"--batch-size {batch_size}: larger than the {n_images - n_val} training examples "
                         f"({n_images} images minus --n-val {n_val})")


def main(argv=None) -> int:
    args = parse_args(argv)
    with stop_on_signals():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        cfg = run_config(args)
        if out.is_dir():
            raise UsageError(f"--out {out} is a directory; give the JSON file to write")
        check_writable(out.parent, f"--out {out}")
        if not (Path(args.data_dir) / CACHE_NAME).is_file():
            check_writable(Path(args.data_dir), "the array cache (--data-dir)")
        arrays = load_arrays(args.archive, args.data_dir, option="--archive")
        check_sizes(len(arrays.train_labels), args.n_val, cfg.batch_size)
        splits = make_splits(arrays, n_val=args.n_val, split_seed=args.split_seed, dtype=args.dtype)
        result = train(cfg, splits, progress=not args.no_progress)
        result["data"]["split_seed"] = args.split_seed
        write_json(out, result)
    except (UsageError, ArchiveError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk, a file made read-only meanwhile: name the file
        where = f": {err.filename}" if err.filename else ""
        unwritten = "" if err.filename and Path(err.filename) == out else f"; {out} was not written"
        print(f"error: {err.strerror or err}{where}{unwritten}", file=sys.stderr)
        return 1
    except Stopped as err:
        print(f"error: {err}", file=sys.stderr)
        return 130
    summary = {k: result[k] for k in ("best_epoch", "best_val_accuracy", "test_accuracy", "diverged", "train_seconds")}
    print(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
