"""results/metrics.json: every headline number of the report, machine-readable."""

from __future__ import annotations


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


def collect_metrics(docs: dict[str, dict]) -> dict:
    """Metrics per run name, in the order given."""
    return {"runs": {name: run_metrics(doc) for name, doc in docs.items()}}
