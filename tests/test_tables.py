"""The tables of Snakemake's own report (mlp_cifar.tables) and the cluster resource estimates."""

from __future__ import annotations

import pytest

from mlp_cifar.runs import cluster_resources, parameter_count
from mlp_cifar.tables import runs_table, schedules_table, sweep_table, write_table

METRICS = {
    "runs": {
        "numpy_default": {"backend": "numpy", "seed": 42, "hidden": [128], "batch_norm": False, "lr": 0.1,
                          "epochs": 10, "best_val_accuracy": 0.5, "best_epoch": 7, "test_accuracy": 0.4995,
                          "train_seconds": 6.14, "diverged": False},
        "sweep_lr_1e02_plain": {"backend": "torch", "seed": 42, "hidden": [128], "batch_norm": False, "lr": 100.0,
                                "epochs": 10, "best_val_accuracy": None, "best_epoch": None, "test_accuracy": None,
                                "train_seconds": 0.2, "diverged": True},
    },
    "sweep": {"backend": "torch", "points": [
        {"run": "sweep_lr_1em01_bn", "lr": 0.1, "batch_norm": True, "best_val_accuracy": 0.52, "best_epoch": 9,
         "test_accuracy": 0.51, "diverged": False, "diverged_at": None},
        {"run": "sweep_lr_1e02_plain", "lr": 100.0, "batch_norm": False, "best_val_accuracy": None,
         "best_epoch": None, "test_accuracy": None, "diverged": True, "diverged_at": {"epoch": 1, "batch": 3}},
    ]},
    "schedules": {"runs": [
        {"run": "schedule_time_based", "name": "time_based", "spec": {"name": "time_based", "decay": 0.5},
         "lrs": [0.1, 0.1 / 1.5], "best_val_accuracy": 0.51, "best_epoch": 2, "test_accuracy": 0.5, "diverged": False},
    ]},
}


def test_runs_table_rows():
    columns, rows = runs_table(METRICS)
    assert columns[0] == "run" and len(rows) == 2
    first = dict(zip(columns, rows[0]["cells"]))
    assert first["best val."] == "0.5000" and first["at epoch"] == "7" and first["test"] == "0.4995"
    assert first["hidden layers"] == "128" and first["lr"] == "0.1" and first["train s"] == "6.1"
    diverged = dict(zip(columns, rows[1]["cells"]))
    assert rows[1]["diverged"] and diverged["diverged"] == "yes" and diverged["test"] == "–"


def test_sweep_table_flags_divergence_with_its_batch():
    columns, rows = sweep_table(METRICS)
    cells = [dict(zip(columns, r["cells"])) for r in rows]
    assert [c["learning rate"] for c in cells] == ["0.1", "100"]
    assert cells[0]["batch norm"] == "yes" and cells[0]["diverged"] == "no"
    assert cells[1]["diverged"] == "yes (epoch 1, batch 3)" and rows[1]["diverged"]


def test_schedules_table_shows_parameters_and_rates():
    columns, rows = schedules_table(METRICS)
    cells = dict(zip(columns, rows[0]["cells"]))
    assert cells["schedule"] == "time-based, k = 0.5"  # mlp_cifar.schedules.label
    assert cells["lr first epoch"] == "0.1" and cells["lr last epoch"] == "0.06667"


def test_write_table_is_escaped_html(tmp_path):
    metrics = {"runs": {"<b>x</b>": {**METRICS["runs"]["numpy_default"]}}}
    write_table("runs", metrics, tmp_path / "runs.html")
    html = (tmp_path / "runs.html").read_text()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    write_table("sweep", metrics, tmp_path / "sweep.html")  # no sweep configured: says so
    assert "no sweep in this configuration" in (tmp_path / "sweep.html").read_text()


def test_parameter_count_of_the_default_mlp():
    assert parameter_count({"hidden": [128]}) == 3072 * 128 + 128 + 128 * 10 + 10


@pytest.mark.parametrize(
    "settings, gpu",
    [({"backend": "torch", "device": "cuda"}, 1), ({"backend": "torch", "device": "auto"}, 0),
     ({"backend": "numpy", "device": "cuda"}, 0)],
)
def test_cluster_resources_gpu_only_for_torch_runs_on_cuda(settings, gpu):
    assert cluster_resources({"hidden": [128], "epochs": 10, **settings})["gpu"] == gpu


def test_cluster_resources_grow_with_the_model():
    small = cluster_resources({"hidden": [128], "epochs": 10, "backend": "numpy"})
    strong = cluster_resources({"hidden": [1024, 1024], "epochs": 60, "backend": "numpy", "zca": 0.1})
    assert small["runtime"] == 10 and strong["runtime"] > 30  # 60 epochs of ~7 s, with margin
    assert strong["mem_mb"] > small["mem_mb"] >= 2500
