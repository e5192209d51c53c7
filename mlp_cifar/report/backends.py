"""The backends section: NumPy and PyTorch side by side, over the seeds."""

from __future__ import annotations

from typing import Mapping


def _seed_stats(group: Mapping | None, key: str) -> dict:
    stats = dict((group or {}).get(key) or {})
    return {"mean": stats.get("mean"), "std": stats.get("std"), "n": stats.get("n", 0),
            "per_seed": list(stats.get("per_seed") or [])}


def backends_context(summaries: Mapping[str, Mapping], metrics: Mapping, originals: Mapping) -> dict | None:
    """NumPy and PyTorch side by side, from ``metrics["backends"]`` (the two main runs, same seed) and
    ``metrics["groups"]`` (each backend's default configuration over the seeds); None without both."""
    pair = (metrics or {}).get("backends")
    if not pair or pair.get("numpy_run") not in summaries or pair.get("torch_run") not in summaries:
        return None
    runs = {"numpy": summaries[pair["numpy_run"]], "torch": summaries[pair["torch_run"]]}
    groups = (metrics or {}).get("groups") or {}
    stats = {b: {k: _seed_stats(groups.get(b), k) for k in ("best_val_accuracy", "test_accuracy")} for b in runs}
    headline = []
    for key, label in (("best_val_accuracy", "Best validation accuracy"), ("test_accuracy", "Test accuracy")):
        headline.append({"label": label, "kind": "seed", "by_backend": {b: runs[b][key] for b in runs}})
        headline.append({"label": label, "kind": "mean", "by_backend": {b: stats[b][key] for b in runs}})
        headline.append({"label": label, "kind": "original", "by_backend": {b: originals[b][key] for b in runs}})
    seed_rows = []
    for b in runs:
        group = groups.get(b) or {}
        for i, (name, seed) in enumerate(zip(group.get("runs") or [], group.get("seeds") or [])):
            seed_rows.append({"backend": b, "run": name, "seed": seed, "main": name == runs[b]["name"],
                              "best_val_accuracy": stats[b]["best_val_accuracy"]["per_seed"][i],
                              "test_accuracy": stats[b]["test_accuracy"]["per_seed"][i]})
    a, t = runs["numpy"]["val_accuracies"], runs["torch"]["val_accuracies"]
    oa, ot = originals["numpy"]["val_accuracies"], originals["torch"]["val_accuracies"]

    def at(values, i):
        return values[i] if i < len(values) else None

    epochs = []
    for i in range(max(len(a), len(t), len(oa), len(ot))):
        x, y = at(a, i), at(t, i)
        epochs.append({"epoch": i + 1, "numpy": x, "torch": y, "diff": None if x is None or y is None else y - x,
                       "numpy_best": i + 1 == runs["numpy"]["best_epoch"],
                       "torch_best": i + 1 == runs["torch"]["best_epoch"],
                       "original_numpy": at(oa, i), "original_torch": at(ot, i)})
    diffs = [abs(e["diff"]) for e in epochs if e["diff"] is not None]
    test_diff = pair.get("test_accuracy_diff")
    test_std = [stats[b]["test_accuracy"]["std"] for b in runs if stats[b]["test_accuracy"]["std"] is not None]
    return {
        "numpy": runs["numpy"],
        "torch": runs["torch"],
        "same_seed": runs["numpy"]["config"].get("seed") == runs["torch"]["config"].get("seed"),
        "headline": headline,
        "seed_rows": seed_rows,
        "stats": stats,
        "n_seeds": min((stats[b]["best_val_accuracy"]["n"] for b in runs), default=0),
        "std_kind": (groups.get("numpy") or {}).get("std"),
        "epochs": epochs,
        "max_abs_epoch_diff": max(diffs, default=None),
        "best_val_diff": pair.get("best_val_accuracy_diff"),
        "first_loss_diff": pair.get("first_batch_loss_rel_diff"),
        "median_loss_diffs": list(pair.get("batch_loss_rel_diff_median_per_epoch") or []),
        "test_diff": test_diff,
        "within_one_point": None if test_diff is None else abs(test_diff) <= 0.01,
        "largest_test_std": max(test_std, default=None),
        # the original report's PyTorch minus NumPy test accuracy
        "original_test_diff": originals["torch"]["test_accuracy"] - originals["numpy"]["test_accuracy"],
    }
