"""Figures reported by the original assignment report, kept as data in one place.

The report compares every reproduced number against these. Accuracies are
fractions of the 5,000 validation / 10,000 test images, epochs counted from 1.
"""

from __future__ import annotations

ORIGINAL: dict[str, dict] = {
    "numpy": {
        "label": "NumPy MLP",
        "best_val_accuracy": 0.4962,
        "test_accuracy": 0.4912,
        "val_accuracies": [0.4306, 0.4726, 0.4728, 0.4692, 0.4896, 0.4856, 0.4962, 0.4776, 0.4940, 0.4932],
    },
    "torch": {
        "label": "PyTorch MLP",
        "best_val_accuracy": 0.5012,
        "test_accuracy": 0.4974,
        "val_accuracies": [0.4234, 0.4600, 0.4560, 0.4714, 0.4734, 0.4676, 0.4920, 0.4882, 0.4972, 0.5012],
    },
}


def original(backend: str) -> dict:
    """The original report's figures for ``backend`` ("numpy" or "torch"), with ``best_epoch`` derived."""
    entry = dict(ORIGINAL[backend])
    vals = entry["val_accuracies"]
    entry["best_epoch"] = vals.index(max(vals)) + 1
    return entry
