"""The assignment's default run on the local CIFAR-10 archive (skipped where it is absent)."""

import json
from pathlib import Path

import pytest

from mlp_cifar.train import main

ARCHIVE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cifar10" / "cifar-10-python.tar.gz"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ARCHIVE.is_file(), reason=f"local CIFAR-10 archive {ARCHIVE} not present"),
]


def test_default_numpy_run_matches_the_original_report(tmp_path):
    out = tmp_path / "numpy_default.json"
    assert main(["--archive", str(ARCHIVE), "--data-dir", str(tmp_path / "data"), "--out", str(out),
                 "--no-progress"]) == 0
    doc = json.loads(out.read_text())
    assert doc["config"] | {"threads": None} == {
        "backend": "numpy", "hidden": [128], "batch_norm": False, "lr": 0.1, "batch_size": 128, "epochs": 10,
        "momentum": 0.0, "weight_decay": 0.0, "seed": 42, "dtype": "float32", "threads": None}
    assert doc["data"]["n_train"] == 45000 and doc["data"]["n_val"] == 5000 and doc["data"]["n_test"] == 10000
    assert doc["batches_per_epoch"] == 351
    assert not doc["diverged"]
    # The original report: 0.4962 best validation, 0.4912 test.
    assert 0.47 <= doc["best_val_accuracy"] <= 0.53
    assert 0.47 <= doc["test_accuracy"] <= 0.53
