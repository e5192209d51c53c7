"""What the report says about one run, from its document and its metrics entry; shared by the sections."""

from __future__ import annotations

import math
from typing import Mapping

from mlp_cifar.runs import network_inputs


def binomial_se(p: float | None, n: int | None) -> float | None:
    """Standard error of an accuracy ``p`` measured on ``n`` images (at p = 0.5, the largest, if unknown)."""
    if not n:
        return None
    p = 0.5 if p is None else p
    return math.sqrt(p * (1 - p) / n)


def summarise_run(name: str, doc: Mapping, metrics: Mapping | None = None) -> dict:
    """The facts the templates show about one run; ``metrics`` (the workflow's metrics entry
    for the run) takes precedence over the document for the headline numbers."""
    metrics = metrics or {}
    epochs = list(doc.get("epochs") or [])
    best_epoch = metrics.get("best_epoch", doc.get("best_epoch"))
    rows = [{**e, "seconds": e["train_seconds"] + e["eval_seconds"], "is_best": e["epoch"] == best_epoch}
            for e in epochs]
    cfg = dict(doc.get("config") or {})
    lrs = sorted({e["lr"] for e in epochs})
    data = dict(doc.get("data") or {})
    return {
        "name": name,
        "backend": cfg.get("backend"),
        "config": cfg,
        "data": data,
        "epochs": rows,
        "val_accuracies": list(metrics.get("val_accuracies", [e["val_accuracy"] for e in epochs])),
        "best_epoch": best_epoch,
        "best_val_accuracy": metrics.get("best_val_accuracy", doc.get("best_val_accuracy")),
        "test_accuracy": metrics.get("test_accuracy", doc.get("test_accuracy")),
        "test_loss": doc.get("test_loss"),
        "diverged": bool(metrics.get("diverged", doc.get("diverged"))),
        "diverged_at": doc.get("diverged_at"),
        "train_seconds": metrics.get("train_seconds", doc.get("train_seconds")),
        "whiten_seconds": doc.get("whiten_seconds"),
        "pca_variance_kept": doc.get("pca_variance_kept"),
        "total_seconds": doc.get("total_seconds"),
        "batches_per_epoch": doc.get("batches_per_epoch"),
        "n_batches": len(doc.get("batch_losses") or []),
        "learning_rates": lrs,
        "threads": doc.get("threads"),
        "device": doc.get("device"),
        "versions": dict(doc.get("versions") or {}),
        "machine": dict(doc.get("machine") or {}),
    }


def architecture(cfg: Mapping, n_inputs: int = 3072, n_classes: int = 10) -> str:
    """e.g. '3072 → 128 → 10'; with ``pca`` the network's inputs are that many coordinates per image."""
    return " → ".join(str(n) for n in [network_inputs(cfg, n_inputs), *cfg.get("hidden", []), n_classes])


def compute_summary(summaries: Mapping[str, Mapping]) -> list[dict]:
    """Runs grouped by (backend, device, threads): where and on how many threads they trained; the
    groups of one backend together, fewer threads first."""
    groups: dict[tuple, list[str]] = {}
    for name, run in summaries.items():
        groups.setdefault((run["backend"], run.get("device"), run.get("threads")), []).append(name)
    order = sorted(groups, key=lambda key: (str(key[0]), str(key[1]), key[2] or 0))
    return [{"backend": b, "device": d, "threads": t, "runs": groups[(b, d, t)]} for b, d, t in order]
