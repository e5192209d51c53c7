"""The all-runs section: every run in one table (the same as results/tables/runs.html)."""

from __future__ import annotations

from typing import Mapping

from mlp_cifar.tables import RUNS_TEXT_COLUMNS, runs_table


def all_runs_context(metrics: Mapping | None) -> dict | None:
    if not (metrics or {}).get("runs"):
        return None
    columns, rows = runs_table(metrics)
    return {"columns": columns, "rows": rows,
            "text_columns": {i for i, c in enumerate(columns) if c in RUNS_TEXT_COLUMNS}}
