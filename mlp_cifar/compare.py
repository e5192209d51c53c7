"""Compare two builds: the headline numbers of two ``metrics.json``, as a Markdown table.

    python -m mlp_cifar.compare OLD NEW      # each a results folder or a metrics.json

Rows: the default run and the mean +- std over seeds of each backend, the best sweep point per
batch-norm setting, each compared schedule, every other named run, and training times. An
accuracy that changed by more than twice the seed-to-seed standard deviation (of its backend, the
larger of the two builds'; of all backends where it has none) is marked; runs present in one build
only are listed as added or removed. Made for a pull request's job summary (``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from mlp_cifar.formatting import num

MARK = "⚠"


class MetricsError(ValueError):
    """An argument is not a build's metrics.json."""


def load_metrics(path: str | Path, which: str = "") -> dict:
    """A results folder (its metrics.json) or a metrics.json file; ``which`` (OLD, NEW) names the
    argument in errors: `MetricsError` when it is not JSON or not a build's metrics (no runs)."""
    path = Path(path)
    file = path / "metrics.json" if path.is_dir() else path
    name = f"{which} {file}" if which else str(file)
    if not file.is_file():
        raise FileNotFoundError(f"{which + ' ' if which else ''}{path}: no metrics.json (give a results folder "
                                "or a metrics.json)")
    try:
        metrics = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        what = (f"{err.msg} at line {err.lineno} column {err.colno}" if isinstance(err, json.JSONDecodeError)
                else err.reason)
        raise MetricsError(f"{name}: not valid JSON ({what})") from None
    if not isinstance(metrics, dict) or not isinstance(metrics.get("runs"), dict) or not metrics["runs"]:
        got = f"a JSON {type(metrics).__name__}" if not isinstance(metrics, dict) else "no runs in it"
        raise MetricsError(f"{name}: not the metrics.json of a build ({got}); expected an object whose "
                           "\"runs\" holds each run's numbers")
    return metrics


@dataclass
class Row:
    what: str
    old: float | None
    new: float | None
    threshold: float | None = None  # |change| above it is marked
    digits: int = 4
    unit: str = ""

    def cells(self) -> list[str]:
        def show(v):
            return "–" if v is None else num(v, self.digits) + self.unit

        change = None if self.old is None or self.new is None else self.new - self.old
        delta = "–" if change is None else ("+" if change > 0 else "") + num(change, self.digits) + self.unit
        marked = change is not None and self.threshold is not None and abs(change) > self.threshold
        return [self.what, show(self.old), show(self.new), delta, MARK if marked else ""]


def _seed_std(old: dict, new: dict) -> dict[str, float | None]:
    """Per backend, the larger seed-to-seed std of the test accuracy in the two builds; "*" for any."""
    stds: dict[str, float | None] = {}
    for metrics in (old, new):
        for backend, group in (metrics.get("groups") or {}).items():
            std = group["test_accuracy"]["std"]
            if std is not None:
                stds[backend] = max(std, stds.get(backend) or 0.0)
    known = [s for s in stds.values() if s is not None]
    stds["*"] = max(known) if known else None
    return stds


def _threshold(stds: dict, backend: str | None) -> float | None:
    std = stds.get(backend) if backend in stds else stds["*"]
    return None if std is None else 2 * std


def _best_sweep(metrics: dict, batch_norm: bool) -> dict | None:
    points = [p for p in (metrics.get("sweep") or {}).get("points", [])
              if p["batch_norm"] == batch_norm and p["best_val_accuracy"] is not None]
    return max(points, key=lambda p: p["best_val_accuracy"]) if points else None


def rows(old: dict, new: dict) -> tuple[list[tuple[str, list[Row]]], list[str], list[str]]:
    """(sections of rows, added runs, removed runs)."""
    stds = _seed_std(old, new)
    old_runs, new_runs = old.get("runs", {}), new.get("runs", {})

    def run_value(metrics, run, key):
        return (metrics.get("runs", {}).get(run) or {}).get(key)

    def backend_of(run):
        return (new_runs.get(run) or old_runs.get(run) or {}).get("backend")

    sections = []
    groups = sorted(set(old.get("groups") or {}) | set(new.get("groups") or {}))
    seeds = []
    for backend in groups:
        g_old, g_new = (old.get("groups") or {}).get(backend), (new.get("groups") or {}).get(backend)
        first = (g_new or g_old)["runs"][0]
        thr = _threshold(stds, backend)
        seeds.append(Row(f"{first} test accuracy", run_value(old, first, "test_accuracy"),
                         run_value(new, first, "test_accuracy"), thr))
        for key, label in (("test_accuracy", "test"), ("best_val_accuracy", "best validation")):
            stat = [(g or {}).get(key) or {} for g in (g_old, g_new)]
            n = (stat[1] or stat[0]).get("n")
            seeds.append(Row(f"{backend}: mean {label} accuracy over {n} seeds", stat[0].get("mean"),
                             stat[1].get("mean"), thr))
            seeds.append(Row(f"{backend}: std of {label} accuracy", stat[0].get("std"), stat[1].get("std")))
    sections.append(("Default runs and seeds", seeds))

    sweep = []
    for bn in (False, True):
        best = [_best_sweep(m, bn) for m in (old, new)]
        if any(best):
            thr = _threshold(stds, (new.get("sweep") or old.get("sweep") or {}).get("backend"))
            rates = " → ".join(f"{b['lr']:g}" if b else "–" for b in best)
            sweep.append(Row(f"best {'with' if bn else 'without'} batch norm (lr {rates}), validation accuracy",
                             *(b and b["best_val_accuracy"] for b in best), thr))
    if sweep:
        sections.append(("Learning-rate sweep", sweep))

    schedule_runs = [s["run"] for m in (old, new) for s in (m.get("schedules") or {}).get("runs", [])]
    schedules = [Row(f"{run} test accuracy", run_value(old, run, "test_accuracy"),
                     run_value(new, run, "test_accuracy"), _threshold(stds, backend_of(run)))
                 for run in dict.fromkeys(schedule_runs)]
    if schedules:
        sections.append(("Learning-rate schedules", schedules))

    grouped = {r for m in (old, new) for g in (m.get("groups") or {}).values() for r in g["runs"]}
    swept = {p["run"] for m in (old, new) for p in (m.get("sweep") or {}).get("points", [])}
    named = [r for r in dict.fromkeys([*old_runs, *new_runs]) if r not in grouped | swept | set(schedule_runs)]
    others = [Row(f"{run} test accuracy", run_value(old, run, "test_accuracy"), run_value(new, run, "test_accuracy"),
                  _threshold(stds, backend_of(run))) for run in named]
    if others:
        sections.append(("Other runs", others))

    def total(metrics, runs):
        values = [metrics["runs"][r]["train_seconds"] for r in runs if r in metrics.get("runs", {})]
        return sum(values) if values else None

    times = [Row(f"{run} training", run_value(old, run, "train_seconds"), run_value(new, run, "train_seconds"),
                 digits=1, unit=" s") for run in named]
    times.append(Row("all runs, training in total", total(old, old_runs), total(new, new_runs), digits=1, unit=" s"))
    sections.append(("Training times", times))

    added = [r for r in new_runs if r not in old_runs]
    removed = [r for r in old_runs if r not in new_runs]
    return sections, added, removed


def markdown(old: dict, new: dict, old_name: str = "old", new_name: str = "new") -> str:
    sections, added, removed = rows(old, new)
    lines = [f"### Metrics: {new_name} against {old_name}", ""]
    lines += ["| | " + old_name + " | " + new_name + " | change | |", "| --- | ---: | ---: | ---: | --- |"]
    for title, section in sections:
        lines.append(f"| **{title}** | | | | |")
        lines += ["| " + " | ".join(r.cells()) + " |" for r in section]
    lines.append("")
    lines.append(f"{MARK}: an accuracy that changed by more than twice the seed-to-seed standard deviation.")
    if added:
        lines.append(f"Added runs: {', '.join(f'`{r}`' for r in added)}.")
    if removed:
        lines.append(f"Removed runs: {', '.join(f'`{r}`' for r in removed)}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="results folder or metrics.json of the old build")
    parser.add_argument("new", help="results folder or metrics.json of the new build")
    parser.add_argument("--old-name", help="the old build's name in the table (default: its path)")
    parser.add_argument("--new-name", help="the new build's name in the table (default: its path)")
    args = parser.parse_args(argv)
    try:
        old, new = load_metrics(args.old, "OLD"), load_metrics(args.new, "NEW")
    except (OSError, MetricsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(markdown(old, new, args.old_name or args.old, args.new_name or args.new), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
