"""The tables of Snakemake's own report (mlp_cifar.tables) and the cluster resource estimates."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from mlp_cifar.runs import cluster_resources, parameter_count
from mlp_cifar import tables

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


def document(hidden, batch_norm=False, lr=0.1, seed=42, diverged=False):
    """A run document with the fields the tables read."""
    epochs = [] if diverged else [
        {"epoch": e, "lr": lr, "train_loss": 2.0 / e, "train_accuracy": 0.3 + 0.01 * e, "val_loss": 1.9 / e,
         "val_accuracy": 0.3 + 0.02 * e, "train_seconds": 0.6, "eval_seconds": 0.03} for e in (1, 2)]
    return {"config": {"backend": "numpy", "hidden": hidden, "batch_norm": batch_norm, "lr": lr, "batch_size": 128,
                       "epochs": 10, "momentum": 0.0, "weight_decay": 0.0, "schedule": None, "dtype": "float32",
                       "augment": None, "zca": None, "seed": seed},
            "epochs": epochs, "train_seconds": 6.14 if not diverged else 0.2, "total_seconds": 6.5,
            **({} if diverged else {"threads": 2})}  # an older document without threads: shown as "–"


DOCS = {"numpy_default": document([128]), "sweep_lr_1e02_plain": document([128], lr=100.0, diverged=True)}


def test_runs_frame_and_its_display():
    frame = tables.runs_frame(METRICS, DOCS)
    assert list(frame.columns) == tables.RUNS_COLUMNS and len(frame) == 2
    assert frame.loc[0, "best_val_accuracy"] == 0.5 and frame.loc[0, "hidden"] == "128"
    assert frame.loc[1, "diverged"] and pd.isna(frame.loc[1, "best_epoch"])
    view = tables.runs_display(frame)
    first, diverged = view.iloc[0].to_dict(), view.iloc[1].to_dict()
    assert first["best val."] == "0.5000" and first["at epoch"] == "7" and first["test"] == "0.4995"
    assert first["hidden layers"] == "128" and first["lr"] == "0.1" and first["train s"] == "6.1"
    assert first["threads"] == "2" and diverged["threads"] == "–"
    assert diverged["diverged"] == "yes" and diverged["test"] == "–" and diverged["at epoch"] == "–"


def test_epochs_frame_has_one_row_per_run_and_completed_epoch():
    frame = tables.epochs_frame(DOCS)
    assert list(frame.columns) == tables.EPOCHS_COLUMNS
    assert list(frame["run"]) == ["numpy_default", "numpy_default"]  # the diverged run completed none
    assert list(frame["val_accuracy"]) == pytest.approx([0.32, 0.34])


def test_sweep_display_flags_divergence_with_its_batch():
    view = tables.sweep_display(tables.sweep_frame(METRICS))
    cells = view.to_dict("records")
    assert [c["learning rate"] for c in cells] == ["0.1", "100"]
    assert cells[0]["batch norm"] == "yes" and cells[0]["diverged"] == "no"
    assert cells[1]["diverged"] == "yes (epoch 1, batch 3)"


def test_schedules_display_shows_parameters_and_rates():
    cells = tables.schedules_display(tables.schedules_frame(METRICS)).iloc[0].to_dict()
    assert cells["schedule"] == "time-based, k = 0.5"  # mlp_cifar.schedules.label
    assert cells["lr first epoch"] == "0.1" and cells["lr last epoch"] == "0.06667"


def test_html_tables_are_rendered_from_the_frames_and_escaped(tmp_path):
    metrics = {"runs": {"<b>x</b>": {**METRICS["runs"]["numpy_default"]}}}
    docs = {"<b>x</b>": DOCS["numpy_default"]}
    tables.write_tables(metrics, docs, {"runs": tmp_path / "runs.csv"},
                        {"runs": tmp_path / "runs.html", "sweep": tmp_path / "sweep.html"})
    html = (tmp_path / "runs.html").read_text()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html and "0.4995" in html
    assert "no sweep in this configuration" in (tmp_path / "sweep.html").read_text()
    assert pd.read_csv(tmp_path / "runs.csv")["run"].tolist() == ["<b>x</b>"]
    with pytest.raises(ValueError, match="no sweep block"):
        tables.write_tables(metrics, docs, {"sweep": tmp_path / "sweep.csv"}, {})


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
    assert small["runtime"] == 10 and strong["runtime"] > 30  # 60 estimated epochs, with margin
    assert strong["mem_mb"] > small["mem_mb"] >= 2500
    cropped = cluster_resources({"hidden": [1024, 1024], "epochs": 60, "backend": "numpy", "zca": 0.1,
                                 "augment": {"flip": True, "crop": 4}})
    assert cropped["mem_mb"] >= strong["mem_mb"] + 900  # the zero-padded copy of the training images
    flipped = cluster_resources({"hidden": [128], "epochs": 10, "backend": "numpy", "augment": {"flip": True}})
    assert flipped["mem_mb"] == small["mem_mb"]


# ----------------------------------------------------------------------------- the CSVs of a smoke build

def test_the_csvs_agree_with_metrics_and_run_documents(smoke_build):
    tables_dir = smoke_build / "results" / "tables"
    metrics = json.loads((smoke_build / "results" / "metrics.json").read_text())
    docs = {p.stem: json.loads(p.read_text()) for p in (smoke_build / "results" / "runs").glob("*.json")}

    runs = pd.read_csv(tables_dir / "runs.csv")
    assert list(runs.columns) == tables.RUNS_COLUMNS
    assert sorted(runs["run"]) == sorted(metrics["runs"]) == sorted(docs)
    for row in runs.to_dict("records"):
        m, doc = metrics["runs"][row["run"]], docs[row["run"]]
        assert row["lr"] == doc["config"]["lr"] and row["epochs"] == doc["config"]["epochs"]
        assert row["seed"] == m["seed"] and bool(row["diverged"]) == m["diverged"]
        for key in ("best_val_accuracy", "test_accuracy"):
            assert (pd.isna(row[key]) and m[key] is None) or row[key] == pytest.approx(m[key], abs=0)
        assert row["train_seconds"] == pytest.approx(doc["train_seconds"])

    epochs = pd.read_csv(tables_dir / "epochs.csv")
    assert list(epochs.columns) == tables.EPOCHS_COLUMNS
    assert len(epochs) == sum(len(doc["epochs"]) for doc in docs.values())
    for run, group in epochs.groupby("run"):
        assert list(group["val_accuracy"]) == [e["val_accuracy"] for e in docs[run]["epochs"]]
        assert list(group["lr"]) == [e["lr"] for e in docs[run]["epochs"]]

    sweep = pd.read_csv(tables_dir / "sweep.csv")
    assert list(sweep.columns) == tables.SWEEP_COLUMNS and len(sweep) == len(metrics["sweep"]["points"])
    diverged = sweep[sweep["diverged"]]
    assert list(diverged["lr"]) == [100.0] and list(diverged["diverged_epoch"]) == [1]
    schedules = pd.read_csv(tables_dir / "schedules.csv")
    assert list(schedules.columns) == tables.SCHEDULES_COLUMNS
    assert list(schedules["run"]) == [s["run"] for s in metrics["schedules"]["runs"]]


def test_the_docs_pandas_lines_plot_every_run(smoke_build, monkeypatch):
    page = (Path(__file__).resolve().parents[1] / "docs" / "results.md").read_text()
    snippet = page.split("<!-- pandas-plot -->", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    assert len(snippet.strip().splitlines()) == 4  # "in four short lines", as the page says
    matplotlib.use("Agg")
    monkeypatch.chdir(smoke_build)
    scope: dict = {}
    exec(snippet, scope)
    axes = plt.gca()
    runs_with_epochs = {p.stem for p in (smoke_build / "results" / "runs").glob("*.json")
                        if json.loads(p.read_text())["epochs"]}
    assert {line.get_label() for line in axes.get_lines()} == runs_with_epochs
    plt.close("all")
