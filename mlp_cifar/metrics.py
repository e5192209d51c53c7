"""results/metrics.json: every headline number of the report, machine-readable.

    {"runs":   {name: {backend, seed, val_accuracies, best_val_accuracy, best_epoch, test_accuracy, ...}},
     "groups": {backend: {runs, seeds, best_val_accuracy: {per_seed, mean, std, n}, test_accuracy: {...}, std}},
     "backends": {numpy_run, torch_run, val_accuracy_diffs, best_val_accuracy_diff, test_accuracy_diff}}

``groups`` (the default configuration of each backend over the configured seeds)
and ``backends`` (the two main runs, same seed, side by side) are present when
the workflow has those runs.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

STD_KIND = "sample standard deviation (ddof=1) over the seeds; null with fewer than two values"
SUMMARISED = ("best_val_accuracy", "test_accuracy")


def run_metrics(doc: dict) -> dict:
    return {
        "backend": doc["config"]["backend"],
        "seed": doc["seed"],
        "val_accuracies": [e["val_accuracy"] for e in doc["epochs"]],
        "best_val_accuracy": doc["best_val_accuracy"],
        "best_epoch": doc["best_epoch"],
        "test_accuracy": doc["test_accuracy"],
        "train_seconds": doc["train_seconds"],
        "diverged": doc["diverged"],
    }


def mean_std(values: Sequence[float | None]) -> dict:
    """Mean and sample standard deviation (ddof=1) of the finite values; ``n`` says how many there were.

    A diverged run without a completed epoch has no accuracy (None): it is left out, and ``n`` shows it.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(finite)
    mean = sum(finite) / n if n else None
    std = math.sqrt(sum((v - mean) ** 2 for v in finite) / (n - 1)) if n >= 2 else None
    return {"per_seed": list(values), "mean": mean, "std": std, "n": n}


def group_metrics(docs: Mapping[str, dict], runs: Sequence[str]) -> dict:
    """Mean and sample std over the seeds of one group of runs (one backend's default configuration)."""
    missing = [r for r in runs if r not in docs]
    if missing:
        raise KeyError(f"runs of the group are missing: {missing}")
    group = [docs[r] for r in runs]
    out = {"runs": list(runs), "seeds": [d["seed"] for d in group],
           "backend": group[0]["config"]["backend"] if group else None}
    for key in SUMMARISED:
        out[key] = mean_std([d[key] for d in group])
    out["std"] = STD_KIND
    return out


def backend_comparison(numpy_doc: dict, torch_doc: dict, numpy_run: str, torch_run: str) -> dict:
    """The two main runs (same seed, data and batch order) side by side: torch minus numpy."""

    def diff(a, b):
        return None if a is None or b is None else b - a

    a = [e["val_accuracy"] for e in numpy_doc["epochs"]]
    b = [e["val_accuracy"] for e in torch_doc["epochs"]]
    return {
        "numpy_run": numpy_run,
        "torch_run": torch_run,
        "seeds": [numpy_doc["seed"], torch_doc["seed"]],
        "val_accuracy_diffs": [diff(x, y) for x, y in zip(a, b)],
        "best_val_accuracy_diff": diff(numpy_doc["best_val_accuracy"], torch_doc["best_val_accuracy"]),
        "test_accuracy_diff": diff(numpy_doc["test_accuracy"], torch_doc["test_accuracy"]),
        "first_batch_loss_rel_diff": _rel_diff(numpy_doc["batch_losses"][:1], torch_doc["batch_losses"][:1]),
        "batch_loss_rel_diff_median_per_epoch": _median_rel_diff_per_epoch(numpy_doc, torch_doc),
    }


def _median_rel_diff_per_epoch(a: dict, b: dict) -> list[float | None]:
    """Per epoch, the median over its batches of |loss_a - loss_b| / max(|loss_a|, |loss_b|)."""
    bpe = a["batches_per_epoch"]
    n = min(len(a["batch_losses"]), len(b["batch_losses"]))
    medians = []
    for start in range(0, n, bpe):
        diffs = sorted(d for d in (_rel_diff([x], [y]) for x, y in zip(a["batch_losses"][start:start + bpe],
                                                                       b["batch_losses"][start:start + bpe]))
                       if d is not None)
        m = len(diffs)
        medians.append(None if not m else diffs[m // 2] if m % 2 else (diffs[m // 2 - 1] + diffs[m // 2]) / 2)
    return medians


def _rel_diff(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    """|a - b| / max(|a|, |b|) of the first values, None if either is missing."""
    if not a or not b or a[0] is None or b[0] is None:
        return None
    x, y = float(a[0]), float(b[0])
    return 0.0 if x == y else abs(x - y) / max(abs(x), abs(y))


def collect_metrics(docs: dict[str, dict], groups: Mapping[str, Sequence[str]] | None = None,
                    pair: Sequence[str] | None = None) -> dict:
    """Metrics per run name (in the order given); with ``groups`` (name -> its runs, e.g.
    ``{"numpy": ["numpy_default", "numpy_default_seed43"]}``) their mean and std over seeds; with
    ``pair`` (numpy run, torch run) the two main runs compared."""
    out = {"runs": {name: run_metrics(doc) for name, doc in docs.items()}}
    if groups:
        out["groups"] = {name: group_metrics(docs, runs) for name, runs in groups.items()}
    if pair:
        numpy_run, torch_run = pair
        out["backends"] = backend_comparison(docs[numpy_run], docs[torch_run], numpy_run, torch_run)
    return out
