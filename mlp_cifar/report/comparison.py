"""The comparison section: the main run against the figures of the original report."""

from __future__ import annotations

from typing import Mapping


def comparison(orig: Mapping, ours: Mapping) -> dict:
    """Headline and per-epoch rows: original value, ours, ours − original."""

    def row(label, a, b):
        return {"label": label, "original": a, "ours": b, "integer": False,
                "diff": None if a is None or b is None else b - a}

    headline = [
        row("Best validation accuracy", orig["best_val_accuracy"], ours["best_val_accuracy"]),
        {"label": "Epoch of best validation accuracy", "original": orig["best_epoch"], "ours": ours["best_epoch"],
         "diff": None if ours["best_epoch"] is None else ours["best_epoch"] - orig["best_epoch"],
         "integer": True},
        row("Test accuracy of that model", orig["test_accuracy"], ours["test_accuracy"]),
    ]
    a, b = orig["val_accuracies"], ours["val_accuracies"]
    epochs = []
    for i in range(max(len(a), len(b))):
        r = row(i + 1, a[i] if i < len(a) else None, b[i] if i < len(b) else None)
        r["original_best"] = i + 1 == orig["best_epoch"]
        r["ours_best"] = i + 1 == ours["best_epoch"]
        epochs.append(r)
    diffs = [r["diff"] for r in epochs if r["diff"] is not None]
    return {
        "label": orig["label"],
        "headline": headline,
        "epochs": epochs,
        "mean_abs_diff": sum(abs(d) for d in diffs) / len(diffs) if diffs else None,
        "max_abs_diff": max((abs(d) for d in diffs), default=None),
    }
