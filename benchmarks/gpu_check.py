"""The PyTorch twin on a CUDA GPU: does it compute the same numbers, and how fast is it?

    python benchmarks/gpu_check.py [--out gpu_check.json] [--epochs 3]

Needs a CUDA device (``--allow-cpu`` runs the same checks on the CPU, to try the script). On
synthetic CIFAR-shaped data (class mean images plus noise; mlp_cifar.parity.synthetic_splits):

1. float64 parity, NumPy on the CPU against PyTorch on CUDA: one epoch of the default model,
   without and with batch norm; every batch loss and final parameter within 1e-9 (relative).
2. determinism: two float32 CUDA runs of the default model give bit-identical batch losses
   (deterministic algorithms, CUBLAS_WORKSPACE_CONFIG set by mlp_cifar.training.device.torch_device).
3. float32 CUDA against float32 CPU (same seed, same batches): how far the batch losses and
   validation accuracies drift apart by rounding alone.
4. training time per epoch on CUDA and on the CPU, side by side in this one run (on CUDA the
   training split stays on the device and losses are read back once per epoch:
   TorchBackend.resident_epoch);
5. the same for the stronger MLP's shape (config.yaml runs.strong, without its augmentation).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from pathlib import Path

import numpy as np
import torch
import yaml

from mlp_cifar.parity import THRESHOLD, compare, parity_settings, synthetic_splits
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = {"hidden": [128], "lr": 0.1, "batch_size": 128, "epochs": 10, "momentum": 0.0,
            "weight_decay": 0.0, "seed": 42}


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)))


def strong_shape() -> dict:
    """config.yaml's `strong` run: the settings that shape its cost per epoch."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    strong = {**config["defaults"], **config["runs"]["strong"]}
    shape = {k: strong[k] for k in ("hidden", "batch_norm", "batch_size", "momentum", "weight_decay")}
    # Its projected input (pca, which needs the whitening it comes from) sets the first layer's width.
    return shape | {k: strong[k] for k in ("zca", "pca") if strong.get("pca")}


def timed_train(cfg: RunConfig, splits) -> dict:
    start = time.perf_counter()
    doc = train(cfg, splits)
    doc["wall_seconds"] = time.perf_counter() - start
    return doc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="gpu_check.json")
    ap.add_argument("--epochs", type=int, default=3, help="epochs of the float32 runs (default 3)")
    ap.add_argument("--n-train", type=int, default=45000, help="training images of the float32 runs")
    ap.add_argument("--allow-cpu", action="store_true", help="run on the CPU when there is no CUDA device")
    args = ap.parse_args(argv)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.allow_cpu:
        print("no CUDA device (torch.cuda.is_available() is False); --allow-cpu to try the script", file=sys.stderr)
        return 2
    out = {"device": device, "torch": torch.__version__,
           "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None}
    print(f"torch {torch.__version__}, device {device} {out['gpu'] or ''}")

    # 1. float64 parity, PyTorch on the device
    splits64 = synthetic_splits(n_train=4096, seed=0)
    cases = []
    for bn in (False, True):
        cfg = RunConfig(**parity_settings(DEFAULTS), batch_norm=bn, device=device)
        case = compare(cfg, splits64)
        cases.append({"batch_norm": bn, "passed": case["passed"], "devices": case["devices"],
                      "n_batches": case["n_batches"], "max_loss_rel_diff": case["max_rel_loss_diff"],
                      "max_param_rel_diff": case["max_rel_param_diff"]})
        print(f"[1] float64 parity, batch norm {bn}: loss rel. diff {cases[-1]['max_loss_rel_diff']:.2e}, "
              f"parameters {cases[-1]['max_param_rel_diff']:.2e} (threshold {THRESHOLD:g}): "
              f"{'PASS' if case['passed'] else 'FAIL'} (torch on {case['devices']['torch']})")
    out["parity"] = cases

    # 2.-4. float32 default model on full-size synthetic splits
    splits = synthetic_splits(n_train=args.n_train, n_eval=5000, seed=1, signal=0.05)
    splits = dataclasses.replace(
        splits, train=dataclasses.replace(splits.train, x=splits.train.x.astype(np.float32)),
        val=dataclasses.replace(splits.val, x=splits.val.x.astype(np.float32)),
        test=dataclasses.replace(splits.test, x=splits.test.x.astype(np.float32)))
    base = {**DEFAULTS, "epochs": args.epochs, "backend": "torch", "dtype": "float32"}
    gpu_a = timed_train(RunConfig(**base, device=device), splits)
    gpu_b = timed_train(RunConfig(**base, device=device), splits)
    cpu = timed_train(RunConfig(**base, device="cpu", threads=torch.get_num_threads()), splits)
    identical = gpu_a["batch_losses"] == gpu_b["batch_losses"]
    print(f"[2] two {device} runs: batch losses {'bit-identical' if identical else 'DIFFER'} "
          f"({len(gpu_a['batch_losses'])} batches); device recorded in the run document: {gpu_a['device']}")
    val_gpu = [e["val_accuracy"] for e in gpu_a["epochs"]]
    val_cpu = [e["val_accuracy"] for e in cpu["epochs"]]
    drift = {"first_loss_rel_diff": rel(gpu_a["batch_losses"][:1], cpu["batch_losses"][:1]),
             "last_loss_rel_diff": rel(gpu_a["batch_losses"][-1:], cpu["batch_losses"][-1:]),
             "max_val_accuracy_diff": float(np.max(np.abs(np.subtract(val_gpu, val_cpu))))}
    print(f"[3] {device} vs cpu (float32): first batch loss rel. diff {drift['first_loss_rel_diff']:.1e}, "
          f"last {drift['last_loss_rel_diff']:.1e}; val. accuracy per epoch {device} {val_gpu} cpu {val_cpu}")
    per_epoch = {name: doc["train_seconds"] / args.epochs for name, doc in (("device", gpu_b), ("cpu", cpu))}
    print(f"[4] seconds per epoch ({args.n_train} images, batch 128): {device} {per_epoch['device']:.3f}, "
          f"cpu ({torch.get_num_threads()} threads) {per_epoch['cpu']:.3f}, cpu/{device} "
          f"{per_epoch['cpu'] / per_epoch['device']:.1f}x (second {device} run, warm)")
    # 5. The stronger MLP's shape (config.yaml runs.strong: its layers, batch norm, momentum, weight
    # decay; without augmentation, so that the training split stays on the device).
    strong = strong_shape()
    per_epoch_strong = {}
    for name, dev in (("device", device), ("cpu", "cpu")):
        doc = timed_train(RunConfig(**{**base, **strong}, device=dev, threads=torch.get_num_threads()), splits)
        per_epoch_strong[name] = doc["train_seconds"] / args.epochs
    print(f"[5] strong's shape {strong['hidden']}, batch norm: seconds per epoch {device} "
          f"{per_epoch_strong['device']:.3f}, cpu {per_epoch_strong['cpu']:.3f}, cpu/{device} "
          f"{per_epoch_strong['cpu'] / per_epoch_strong['device']:.1f}x")
    out.update({"deterministic": identical, "run_device": gpu_a["device"], "cpu_vs_device": drift,
                "val_accuracy": {"device": val_gpu, "cpu": val_cpu}, "seconds_per_epoch": per_epoch,
                "seconds_per_epoch_strong_shape": per_epoch_strong, "strong_shape": strong,
                "cpu_threads": torch.get_num_threads()})
    ok = all(c["passed"] for c in cases) and identical and gpu_a["device"] == device
    out["passed"] = ok
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
    print("PASS" if ok else "FAIL", "->", args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
