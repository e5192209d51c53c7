"""Command line: train one MLP on CIFAR-10 and write its result document.

    python -m mlp_cifar.train --archive PATH/cifar-10-python.tar.gz --out results/runs/default.json

Defaults are the assignment's: one hidden layer of 128 ReLU units, SGD with
learning rate 0.1, batch 128, 10 epochs, no batch norm, seed 42.
"""

from __future__ import annotations

import argparse
import json
import sys

from mlp_cifar.atomic import write_json
from mlp_cifar.data.archive import ArchiveError
from mlp_cifar.data.dataset import N_VAL, make_splits
from mlp_cifar.data.source import load_arrays
from mlp_cifar.training import BACKENDS, DEVICES, DTYPES, RunConfig, train


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
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--no-progress", action="store_true")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        cfg = RunConfig(backend=args.backend, hidden=args.hidden, batch_norm=args.batch_norm, lr=args.lr,
                        batch_size=args.batch_size, epochs=args.epochs, momentum=args.momentum,
                        weight_decay=args.weight_decay, seed=args.seed, dtype=args.dtype, device=args.device,
                        threads=args.threads, schedule=args.schedule, zca=args.zca,
                        augment={"flip": args.flip, "crop": args.crop} if args.flip or args.crop else None)
        arrays = load_arrays(args.archive, args.data_dir)
    except (ArchiveError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    splits = make_splits(arrays, n_val=args.n_val, split_seed=args.split_seed, dtype=args.dtype)
    result = train(cfg, splits, progress=not args.no_progress)
    result["data"]["split_seed"] = args.split_seed
    write_json(args.out, result)
    summary = {k: result[k] for k in ("best_epoch", "best_val_accuracy", "test_accuracy", "diverged", "train_seconds")}
    print(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
