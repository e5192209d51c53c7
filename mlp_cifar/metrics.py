"""results/metrics.json: every headline number of the report, machine-readable.

    {"runs":   {name: {backend, seed, val_accuracies, best_val_accuracy, best_epoch, test_accuracy, ...}},
     "groups": {backend: {runs, seeds, best_val_accuracy: {per_seed, mean, std, n}, test_accuracy: {...}, std}},
     "backends": {numpy_run, torch_run, val_accuracy_diffs, best_val_accuracy_diff, test_accuracy_diff},
     "sweep":  {"backend", "points": [{run, lr, batch_norm, best_val_accuracy, test_accuracy, diverged,
                                        diverged_at, ...}]},
     "schedules": {"runs": [{run, name, spec, lrs, best_val_accuracy, test_accuracy, ...}]}}

``groups`` (the default configuration of each backend over the configured seeds)
and ``backends`` (the two main runs, same seed, side by side) are present when
the workflow has those runs; so are ``sweep`` (the learning-rate sweep, by rate and
batch-norm setting) and ``schedules`` (the compared learning-rate schedules).
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
        "hidden": list(doc["config"]["hidden"]),
        "batch_norm": bool(doc["config"]["batch_norm"]),
        "lr": doc["config"]["lr"],
        "epochs": doc["config"]["epochs"],
        "val_accuracies": [e["val_accuracy"] for e in doc["epochs"]],
        "best_val_accuracy": doc["best_val_accuracy"],
        "best_epoch": doc["best_epoch"],
        "test_accuracy": doc["test_accuracy"],
        "train_seconds": doc["train_seconds"],
        # validation passes and ZCA whitening (0 without): with train_seconds, a run's time budget
        "eval_seconds": sum(e.get("eval_seconds", 0.0) for e in doc["epochs"]),
        "whiten_seconds": doc.get("whiten_seconds", 0.0),
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


def _final_train_loss(doc: dict) -> float | None:
    """Mean training loss of the last completed epoch (None if no epoch completed)."""
    return doc["epochs"][-1]["train_loss"] if doc["epochs"] else None


def sweep_point(name: str, doc: dict) -> dict:
    """One point of the learning-rate sweep: its rate, batch-norm setting, accuracies and divergence."""
    cfg = doc["config"]
    first = next((v for v in doc["batch_losses"] if v is not None), None)
    return {
        "run": name,
        "lr": cfg["lr"],
        "batch_norm": bool(cfg["batch_norm"]),
        "best_val_accuracy": doc["best_val_accuracy"],
        "best_epoch": doc["best_epoch"],
        "test_accuracy": doc["test_accuracy"],
        "diverged": doc["diverged"],
        "diverged_at": doc["diverged_at"],  # {"epoch", "batch"} of the first non-finite loss, or None
        "epochs_completed": len(doc["epochs"]),
        "epochs": cfg["epochs"],
        "batches_per_epoch": doc["batches_per_epoch"],
        "first_batch_loss": first,
        "max_batch_loss": max((v for v in doc["batch_losses"] if v is not None), default=None),
        "first_epoch_train_loss": doc["epochs"][0]["train_loss"] if doc["epochs"] else None,
        "final_train_loss": _final_train_loss(doc),
    }


def sweep_metrics(docs: Mapping[str, dict], runs: Sequence[str]) -> dict:
    """The learning-rate sweep: one entry per run, by learning rate, then without before with batch norm."""
    points = sorted((sweep_point(r, docs[r]) for r in runs), key=lambda p: (p["lr"], p["batch_norm"]))
    backends = sorted({docs[r]["config"]["backend"] for r in runs})
    return {"backend": backends[0] if len(backends) == 1 else backends, "points": points}


def schedule_metrics(docs: Mapping[str, dict], runs: Sequence[str]) -> dict:
    """The compared learning-rate schedules, in the order given: the schedule (as configured), the
    learning rate of each epoch, accuracies, and how much the validation accuracy still moved late
    in training (``late_val_change``: mean |change| between consecutive epochs over the second half)."""
    out = []
    for r in runs:
        doc = docs[r]
        spec = doc["config"].get("schedule") or {"name": "constant"}
        vals = [e["val_accuracy"] for e in doc["epochs"]]
        late = vals[len(vals) // 2:]
        changes = [abs(b - a) for a, b in zip(late, late[1:])]
        out.append({
            "run": r,
            "name": spec["name"],
            "spec": spec,
            "backend": doc["config"]["backend"],
            "lr0": doc["config"]["lr"],
            "lrs": [e["lr"] for e in doc["epochs"]],
            "val_accuracies": vals,
            "best_val_accuracy": doc["best_val_accuracy"],
            "best_epoch": doc["best_epoch"],
            "test_accuracy": doc["test_accuracy"],
            "final_train_loss": _final_train_loss(doc),
            "late_val_change": sum(changes) / len(changes) if changes else None,
            "diverged": doc["diverged"],
        })
    return {"runs": out}


def collect_metrics(docs: dict[str, dict], groups: Mapping[str, Sequence[str]] | None = None,
                    pair: Sequence[str] | None = None, sweep: Sequence[str] | None = None,
                    schedules: Sequence[str] | None = None) -> dict:
    """Metrics per run name (in the order given); with ``groups`` (name -> its runs, e.g.
    ``{"numpy": ["numpy_default", "numpy_default_seed43"]}``) their mean and std over seeds; with
    ``pair`` (numpy run, torch run) the two main runs compared; with ``sweep`` (the sweep's runs) the
    learning-rate sweep; with ``schedules`` (the compared schedules' runs) their comparison."""
    out = {"runs": {name: run_metrics(doc) for name, doc in docs.items()}}
    if groups:
        out["groups"] = {name: group_metrics(docs, runs) for name, runs in groups.items()}
    if pair:
        numpy_run, torch_run = pair
        out["backends"] = backend_comparison(docs[numpy_run], docs[torch_run], numpy_run, torch_run)
    if sweep:
        out["sweep"] = sweep_metrics(docs, sweep)
    if schedules:
        out["schedules"] = schedule_metrics(docs, schedules)
    return out
