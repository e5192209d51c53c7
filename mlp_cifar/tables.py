"""The report's key tables as small standalone HTML files, built from results/metrics.json.

They are what Snakemake's own report (`snakemake --report report.zip`) shows under "Tables"; the
main report renders the same numbers from the same metrics in its sections. Each table has a
caption, a header row and one row per run or sweep point; a diverged run says so in its row.
"""

from __future__ import annotations

import os
from typing import Sequence

from jinja2 import Environment

from mlp_cifar.atomic import atomic_path
from mlp_cifar.formatting import num
from mlp_cifar.schedules import label as schedule_label

_PAGE = Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
caption { text-align: left; font-weight: 600; margin-bottom: .5em; }
th, td { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #888; }
tr.diverged td { color: #b00020; }
</style></head>
<body><table>
<caption>{{ title }}</caption>
<thead><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr{% if row.diverged %} class="diverged"{% endif %}>{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></body></html>
"""
)


def _acc(value: float | None) -> str:
    return num(value, 4, missing="–")


def _epoch(value: int | None) -> str:
    return "–" if value is None else str(value)


# Columns of runs_table holding text rather than numbers (left-aligned in the report).
RUNS_TEXT_COLUMNS = ("run", "backend", "hidden layers")


def runs_table(metrics: dict) -> tuple[list[str], list[dict]]:
    """One row per training run: backend, seed, hidden layers, learning rate, epochs, best validation
    accuracy and its epoch, test accuracy, training time, diverged."""
    columns = ["run", "backend", "seed", "hidden layers", "lr", "epochs", "best val.", "at epoch", "test",
               "train s", "diverged"]
    rows = []
    for name, m in metrics["runs"].items():
        hidden = "–".join(str(h) for h in m["hidden"]) or "none"
        rows.append({"diverged": m["diverged"], "cells": [
            name, m["backend"], m["seed"], hidden + (" + BN" if m["batch_norm"] else ""), f"{m['lr']:g}",
            m["epochs"], _acc(m["best_val_accuracy"]), _epoch(m["best_epoch"]), _acc(m["test_accuracy"]),
            f"{m['train_seconds']:.1f}", "yes" if m["diverged"] else "no",
        ]})
    return columns, rows


def sweep_table(metrics: dict) -> tuple[list[str], list[dict]]:
    """The learning-rate sweep: one row per rate and batch-norm setting, diverged points flagged."""
    columns = ["learning rate", "batch norm", "best val. acc.", "best epoch", "test acc.", "diverged"]
    rows = []
    for p in metrics["sweep"]["points"]:
        at = p["diverged_at"]
        flag = f"yes (epoch {at['epoch']}, batch {at['batch']})" if p["diverged"] and at else (
            "yes" if p["diverged"] else "no")
        rows.append({"diverged": p["diverged"], "cells": [
            f"{p['lr']:g}", "yes" if p["batch_norm"] else "no", _acc(p["best_val_accuracy"]),
            _epoch(p["best_epoch"]), _acc(p["test_accuracy"]), flag,
        ]})
    return columns, rows


def schedules_table(metrics: dict) -> tuple[list[str], list[dict]]:
    """The compared learning-rate schedules: first and last epoch's rate, accuracies."""
    columns = ["schedule", "lr first epoch", "lr last epoch", "best val. acc.", "best epoch", "test acc."]
    rows = []
    for s in metrics["schedules"]["runs"]:
        rows.append({"diverged": s["diverged"], "cells": [
            schedule_label(s["spec"]), f"{s['lrs'][0]:.4g}" if s["lrs"] else "–",
            f"{s['lrs'][-1]:.4g}" if s["lrs"] else "–", _acc(s["best_val_accuracy"]),
            _epoch(s["best_epoch"]), _acc(s["test_accuracy"]),
        ]})
    return columns, rows


TABLES = {"runs": ("Training runs", runs_table),
          "sweep": ("Learning-rate sweep", sweep_table),
          "schedules": ("Learning-rate schedules", schedules_table)}


def render_table(title: str, columns: Sequence[str], rows: Sequence[dict]) -> str:
    return _PAGE.render(title=title, columns=columns, rows=rows)


def write_table(kind: str, metrics: dict, out: str | os.PathLike) -> None:
    """Write table ``kind`` (a key of TABLES) of ``metrics`` to ``out``, atomically.

    A table whose block is missing from the metrics (e.g. no sweep configured) is written with a
    line saying so rather than failing, so the tables rule does not depend on which blocks exist.
    """
    title, build = TABLES[kind]
    if kind != "runs" and kind not in metrics:
        html = render_table(title, ["note"], [{"diverged": False, "cells": [f"no {kind} in this configuration"]}])
    else:
        html = render_table(title, *build(metrics))
    with atomic_path(out) as tmp:
        tmp.write_text(html)
