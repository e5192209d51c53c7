"""The build's results as tidy pandas tables: CSV files to load, and the HTML pages of Snakemake's report.

- ``runs.csv``: one row per training run: its settings (from its document), best validation
  accuracy and epoch, test accuracy, diverged, seconds;
- ``epochs.csv``: one row per run and completed epoch: learning rate, training loss and accuracy,
  validation loss and accuracy, seconds;
- ``sweep.csv`` and ``schedules.csv`` where the configuration has a sweep or compared schedules.

The HTML tables that Snakemake's own report shows under "Tables" are rendered from the same
DataFrames (pandas' Styler), formatted for reading; the main report renders the same numbers from
the same metrics in its sections.
"""

from __future__ import annotations

import os

import pandas as pd

from mlp_cifar.atomic import atomic_path
from mlp_cifar.formatting import num
from mlp_cifar.schedules import label as schedule_label

RUNS_COLUMNS = ["run", "backend", "seed", "hidden", "batch_norm", "lr", "batch_size", "epochs", "momentum",
                "weight_decay", "schedule", "dtype", "augment", "zca", "pca", "best_val_accuracy", "best_epoch",
                "test_accuracy", "diverged", "train_seconds", "total_seconds", "threads"]
EPOCHS_COLUMNS = ["run", "epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                  "train_seconds", "eval_seconds"]
SWEEP_COLUMNS = ["run", "lr", "batch_norm", "best_val_accuracy", "best_epoch", "test_accuracy", "diverged",
                 "diverged_epoch", "diverged_batch"]
SCHEDULES_COLUMNS = ["run", "schedule", "lr_first_epoch", "lr_last_epoch", "best_val_accuracy", "best_epoch",
                     "test_accuracy", "diverged"]


def _hidden(layers: list[int]) -> str:
    return "-".join(str(h) for h in layers) or "none"


def _augment(augment: dict | None) -> str:
    if not augment or not any(augment.values()):
        return "none"
    parts = (["flip"] if augment.get("flip") else []) + ([f"crop {augment['crop']}"] if augment.get("crop") else [])
    return ", ".join(parts)


def runs_frame(metrics: dict, documents: dict[str, dict]) -> pd.DataFrame:
    """One row per run of ``metrics["runs"]``; settings from its run document."""
    rows = []
    for name, m in metrics["runs"].items():
        doc = documents[name]
        cfg = doc["config"]
        rows.append({
            "run": name, "backend": m["backend"], "seed": m["seed"], "hidden": _hidden(cfg["hidden"]),
            "batch_norm": cfg["batch_norm"], "lr": cfg["lr"], "batch_size": cfg["batch_size"], "epochs": cfg["epochs"],
            "momentum": cfg["momentum"], "weight_decay": cfg["weight_decay"],
            "schedule": schedule_label(cfg["schedule"] or {"name": "constant"}), "dtype": cfg["dtype"],
            "augment": _augment(cfg.get("augment")), "zca": cfg.get("zca"), "pca": cfg.get("pca"),
            "best_val_accuracy": m["best_val_accuracy"], "best_epoch": m["best_epoch"],
            "test_accuracy": m["test_accuracy"], "diverged": m["diverged"], "train_seconds": doc["train_seconds"],
            "total_seconds": doc["total_seconds"], "threads": doc.get("threads"),
        })
    frame = pd.DataFrame(rows, columns=RUNS_COLUMNS)
    return frame.astype({"best_epoch": "Int64"})


def epochs_frame(documents: dict[str, dict]) -> pd.DataFrame:
    """One row per run and completed epoch (a run that diverged has only the epochs before)."""
    rows = [{"run": name, **{k: e[k] for k in EPOCHS_COLUMNS[1:]}}
            for name, doc in documents.items() for e in doc["epochs"]]
    return pd.DataFrame(rows, columns=EPOCHS_COLUMNS)


def sweep_frame(metrics: dict) -> pd.DataFrame:
    """One row per learning rate and batch-norm setting of the sweep."""
    rows = []
    for p in metrics["sweep"]["points"]:
        at = p["diverged_at"] or {}
        rows.append({**{k: p[k] for k in SWEEP_COLUMNS[:7]},
                     "diverged_epoch": at.get("epoch"), "diverged_batch": at.get("batch")})
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS).astype(
        {"best_epoch": "Int64", "diverged_epoch": "Int64", "diverged_batch": "Int64"})


def schedules_frame(metrics: dict) -> pd.DataFrame:
    """One row per compared learning-rate schedule."""
    rows = [{"run": s["run"], "schedule": schedule_label(s["spec"]),
             "lr_first_epoch": s["lrs"][0] if s["lrs"] else None, "lr_last_epoch": s["lrs"][-1] if s["lrs"] else None,
             "best_val_accuracy": s["best_val_accuracy"], "best_epoch": s["best_epoch"],
             "test_accuracy": s["test_accuracy"], "diverged": s["diverged"]}
            for s in metrics["schedules"]["runs"]]
    return pd.DataFrame(rows, columns=SCHEDULES_COLUMNS).astype({"best_epoch": "Int64"})


def frames(metrics: dict, documents: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """Every table the configuration has: runs and epochs always, sweep and schedules where configured."""
    out = {"runs": runs_frame(metrics, documents), "epochs": epochs_frame(documents)}
    if "sweep" in metrics:
        out["sweep"] = sweep_frame(metrics)
    if "schedules" in metrics:
        out["schedules"] = schedules_frame(metrics)
    return out


# ----------------------------------------------------------------------------- tables for reading

def _acc(value) -> str:
    return num(None if pd.isna(value) else float(value), 4, missing="–")


def _epoch(value) -> str:
    return "–" if pd.isna(value) else str(int(value))


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# Columns of runs_display holding text rather than numbers (left-aligned in the report).
RUNS_TEXT_COLUMNS = ("run", "backend", "hidden layers")


def runs_display(runs: pd.DataFrame) -> pd.DataFrame:
    """runs.csv's frame formatted for reading: the main report's "All training runs" and runs.html."""
    return pd.DataFrame({
        "run": runs["run"], "backend": runs["backend"], "seed": runs["seed"].astype(str),
        "hidden layers": [h.replace("-", "–") + (" + BN" if bn else "")
                          for h, bn in zip(runs["hidden"], runs["batch_norm"])],
        "lr": [f"{v:g}" for v in runs["lr"]], "epochs": runs["epochs"].astype(str),
        "best val.": runs["best_val_accuracy"].map(_acc), "at epoch": runs["best_epoch"].map(_epoch),
        "test": runs["test_accuracy"].map(_acc), "train s": [f"{v:.1f}" for v in runs["train_seconds"]],
        "threads": ["–" if pd.isna(v) else str(int(v)) for v in runs["threads"]],
        "diverged": runs["diverged"].map(_yes_no),
    })


def sweep_display(sweep: pd.DataFrame) -> pd.DataFrame:
    flags = [(f"yes (epoch {e}, batch {b})" if not pd.isna(e) else "yes") if d else "no"
             for d, e, b in zip(sweep["diverged"], sweep["diverged_epoch"], sweep["diverged_batch"])]
    return pd.DataFrame({
        "learning rate": [f"{v:g}" for v in sweep["lr"]], "batch norm": sweep["batch_norm"].map(_yes_no),
        "best val. acc.": sweep["best_val_accuracy"].map(_acc), "best epoch": sweep["best_epoch"].map(_epoch),
        "test acc.": sweep["test_accuracy"].map(_acc), "diverged": flags,
    })


def schedules_display(schedules: pd.DataFrame) -> pd.DataFrame:
    def rate(v) -> str:
        return "–" if pd.isna(v) else f"{v:.4g}"

    return pd.DataFrame({
        "schedule": schedules["schedule"], "lr first epoch": schedules["lr_first_epoch"].map(rate),
        "lr last epoch": schedules["lr_last_epoch"].map(rate),
        "best val. acc.": schedules["best_val_accuracy"].map(_acc),
        "best epoch": schedules["best_epoch"].map(_epoch), "test acc.": schedules["test_accuracy"].map(_acc),
    })


DISPLAYS = {"runs": ("Training runs", runs_display), "sweep": ("Learning-rate sweep", sweep_display),
            "schedules": ("Learning-rate schedules", schedules_display)}
_CSS = """body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
caption { text-align: left; font-weight: 600; margin-bottom: .5em; }
th, td { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #888; }"""


def html_table(kind: str, frame: pd.DataFrame | None) -> str:
    """A standalone page (for Snakemake's report) with table ``kind`` rendered from its frame by
    pandas' Styler; diverged rows in red. ``frame`` None: not in this configuration."""
    title, display = DISPLAYS[kind]
    if frame is None:
        view, diverged = pd.DataFrame({"note": [f"no {kind} in this configuration"]}), [False]
    else:
        view, diverged = display(frame), list(frame["diverged"])
    styler = view.style.format(escape="html").hide(axis="index").set_caption(title).apply(
        lambda row: ["color: #b00020" if diverged[row.name] else ""] * len(row), axis=1)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>\n'
            f"<style>\n{_CSS}\n</style></head>\n<body>{styler.to_html()}</body></html>\n")


def write_tables(metrics: dict, documents: dict[str, dict], csv_out: dict[str, str | os.PathLike],
                 html_out: dict[str, str | os.PathLike]) -> None:
    """Write the CSVs (``csv_out``: table -> path, for the tables the configuration has) and the
    HTML pages (``html_out``: runs, sweep, schedules), each atomically."""
    tables = frames(metrics, documents)
    missing = sorted(set(csv_out) - set(tables))
    if missing:
        raise ValueError(f"metrics.json has no {', '.join(missing)} block for {', '.join(map(str, csv_out.values()))}")
    for kind, path in csv_out.items():
        with atomic_path(path) as tmp:
            tables[kind].to_csv(tmp, index=False)
    for kind, path in html_out.items():
        with atomic_path(path) as tmp:
            tmp.write_text(html_table(kind, tables.get(kind)))
