"""The all-runs section: every run in one table (the same as results/tables/runs.html and runs.csv)."""

from __future__ import annotations

from typing import Mapping

from mlp_cifar.tables import RUNS_TEXT_COLUMNS, runs_display, runs_frame


def all_runs_context(metrics: Mapping | None, runs: Mapping[str, Mapping]) -> dict | None:
    if not (metrics or {}).get("runs"):
        return None
    frame = runs_frame(metrics, runs)
    view = runs_display(frame)
    columns = list(view.columns)
    rows = [{"diverged": bool(d), "cells": list(cells)}
            for d, cells in zip(frame["diverged"], view.itertuples(index=False))]
    return {"columns": columns, "rows": rows,
            "text_columns": {i for i, c in enumerate(columns) if c in RUNS_TEXT_COLUMNS}}
