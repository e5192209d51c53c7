"""results/metrics.json: per-run numbers, mean ± sample std over seeds, NumPy vs PyTorch."""

import json
import statistics

import pytest

from mlp_cifar.metrics import collect_metrics, mean_std


def doc(backend, seed, vals, test, losses=(2.3, 2.1, 1.9, 1.8)):
    best = max(vals)
    config = {"backend": backend, "hidden": [128], "batch_norm": False, "lr": 0.1, "epochs": len(vals)}
    return {"config": config, "seed": seed, "batches_per_epoch": 2, "batch_losses": list(losses),
            "epochs": [{"epoch": i + 1, "val_accuracy": v} for i, v in enumerate(vals)],
            "best_val_accuracy": best, "best_epoch": vals.index(best) + 1, "test_accuracy": test,
            "train_seconds": 1.0, "diverged": False}


def test_mean_std_is_the_sample_standard_deviation():
    values = [0.49, 0.50, 0.52]
    out = mean_std(values)
    assert out["mean"] == pytest.approx(statistics.mean(values))
    assert out["std"] == pytest.approx(statistics.stdev(values))  # ddof=1
    assert out["n"] == 3 and out["per_seed"] == values
    assert mean_std([0.5]) == {"per_seed": [0.5], "mean": 0.5, "std": None, "n": 1}
    assert mean_std([0.4, None, 0.6])["n"] == 2  # a run without a completed epoch has no accuracy


def test_groups_and_backend_pair():
    docs = {
        "numpy_default": doc("numpy", 42, [0.40, 0.45], 0.44),
        "numpy_default_seed43": doc("numpy", 43, [0.41, 0.43], 0.42),
        "torch_default": doc("torch", 42, [0.40, 0.46], 0.45, losses=(2.3, 2.2, 1.9, 1.7)),
        "torch_default_seed43": doc("torch", 43, [0.47, 0.44], 0.43),
    }
    groups = {"numpy": ["numpy_default", "numpy_default_seed43"], "torch": ["torch_default", "torch_default_seed43"]}
    m = collect_metrics(docs, groups, ["numpy_default", "torch_default"])
    json.dumps(m, allow_nan=False)
    assert list(m["runs"]) == list(docs)
    run = m["runs"]["numpy_default"]  # what the report's table of all runs shows
    assert (run["hidden"], run["batch_norm"], run["lr"], run["epochs"]) == ([128], False, 0.1, 2)
    g = m["groups"]["torch"]
    assert g["runs"] == groups["torch"] and g["seeds"] == [42, 43] and g["backend"] == "torch"
    assert g["best_val_accuracy"]["per_seed"] == [0.46, 0.47]
    assert g["best_val_accuracy"]["mean"] == pytest.approx(0.465)
    assert g["test_accuracy"]["std"] == pytest.approx(statistics.stdev([0.45, 0.43]))
    assert "ddof=1" in g["std"]
    pair = m["backends"]
    assert pair["numpy_run"] == "numpy_default" and pair["torch_run"] == "torch_default"
    assert pair["val_accuracy_diffs"] == pytest.approx([0.0, 0.01])
    assert pair["test_accuracy_diff"] == pytest.approx(0.01)
    assert pair["first_batch_loss_rel_diff"] == 0.0
    assert pair["batch_loss_rel_diff_median_per_epoch"][0] == pytest.approx((0 + 0.1 / 2.2) / 2)
    assert pair["batch_loss_rel_diff_median_per_epoch"][1] == pytest.approx((0 + 0.1 / 1.8) / 2)


def test_without_groups_only_runs():
    m = collect_metrics({"numpy_default": doc("numpy", 42, [0.4], 0.4)})
    assert set(m) == {"runs"}
