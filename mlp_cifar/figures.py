"""The report's figures, tables and sections, each declared once.

The workflow (workflow/rules/figures.smk, report.smk, and mlp_cifar.plan) builds from these declarations:
one rule per figure with its output file and its caption for Snakemake's own report, the report
rule's named inputs, and the tables rule's outputs. The report's templates look figures up by key
(``figure("sweep_accuracy")``, ``figure("batch_losses", run.name)``), and the workflow checks every
key a template names against ``FIGURES`` while it builds the DAG, before any job runs.

A figure is drawn by ``draw`` ("package module:function"), called as
``function(docs, out_svg, **params)`` with ``docs`` the documents of its ``inputs``
(name -> parsed JSON). ``inputs`` names a group of documents that the plan knows
(``mlp_cifar.plan``: ``Plan.figure_inputs``); the report shows the figure when its group is
not empty. A path with ``{run}`` is one figure per run (the runs the report shows in full).

Pure Python, no third-party imports at module level: the workflow imports it while it parses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    key: str  # what templates call it
    path: str  # the SVG file; '{run}' in it: one figure per run
    draw: str  # "mlp_cifar.plots.<module>:<function>", called as function(docs, out_svg, **params)
    inputs: str  # the group of documents it is drawn from (mlp_cifar.plan, Plan.figure_inputs)
    caption: str  # reStructuredText caption for Snakemake's report, under workflow/report/
    category: str  # its category in Snakemake's report
    rule: str  # the workflow rule that draws it
    params: str | None = None  # the group of settings passed as **params (mlp_cifar.plan, Plan.figure_params)

    @property
    def per_run(self) -> bool:
        return "{run}" in self.path

    @property
    def module(self) -> str:
        return self.draw.split(":")[0]

    def file(self, run: str | None = None) -> str:
        return self.path.format(run=run) if self.per_run else self.path

    def input_name(self, run: str | None = None) -> str:
        """The report rule's named input for this figure (of ``run``)."""
        return f"figure__{self.key}" + (f"__{run}" if self.per_run else "")


@dataclass(frozen=True)
class Table:
    key: str
    path: str
    caption: str
    category: str = "Tables"


_RUNS = "mlp_cifar.plots.runs"
_SWEEP = "mlp_cifar.plots.sweep"
_SCHEDULES = "mlp_cifar.plots.schedules"

FIGURES: dict[str, Figure] = {f.key: f for f in [
    # One run's own figures (the main runs and the runs of the report's comparison sections).
    Figure("batch_losses", "results/figures/{run}_batch_losses.svg", f"{_RUNS}:plot_batch_losses", "run",
           "batch_losses.rst", "Training runs", "plot_batch_losses"),
    Figure("val_accuracy", "results/figures/{run}_val_accuracy.svg", f"{_RUNS}:plot_val_accuracy", "run",
           "val_accuracy.rst", "Training runs", "plot_val_accuracy"),
    # NumPy against PyTorch: the two main runs (same seed), and every seed.
    Figure("backends_val_accuracy", "results/figures/compare/numpy_vs_torch_val_accuracy.svg",
           f"{_RUNS}:plot_val_accuracy", "backend_pair", "backends_val_accuracy.rst", "NumPy and PyTorch",
           "plot_backends_val_accuracy"),
    Figure("backends_batch_losses", "results/figures/compare/numpy_vs_torch_batch_losses.svg",
           f"{_RUNS}:plot_batch_losses", "backend_pair", "backends_batch_losses.rst", "NumPy and PyTorch",
           "plot_backends_batch_losses"),
    Figure("backends_loss_difference", "results/figures/compare/numpy_vs_torch_loss_difference.svg",
           f"{_RUNS}:plot_loss_difference", "backend_pair", "backends_loss_difference.rst", "NumPy and PyTorch",
           "plot_backends_loss_difference"),
    Figure("seeds_val_accuracy", "results/figures/compare/seeds_val_accuracy.svg", f"{_RUNS}:plot_seed_bands",
           "seed_runs", "seeds.rst", "NumPy and PyTorch", "plot_seeds", params="seed_groups"),
    # The learning-rate sweep.
    Figure("sweep_accuracy", "results/figures/sweep/lr_sweep_accuracy.svg", f"{_SWEEP}:plot_sweep_accuracy",
           "sweep_runs", "sweep_accuracy.rst", "Learning-rate sweep", "plot_sweep_accuracy"),
    Figure("sweep_epoch_losses", "results/figures/sweep/lr_sweep_epoch_losses.svg",
           f"{_SWEEP}:plot_sweep_epoch_losses", "sweep_runs", "sweep_epoch_losses.rst", "Learning-rate sweep",
           "plot_sweep_epoch_losses"),
    Figure("sweep_batch_losses", "results/figures/sweep/lr_sweep_batch_losses.svg",
           f"{_SWEEP}:plot_sweep_batch_losses", "sweep_runs", "sweep_batch_losses.rst", "Learning-rate sweep",
           "plot_sweep_batch_losses"),
    # Learning-rate schedules: the formulas alone, and the compared runs.
    Figure("schedules_illustration", "results/figures/schedules/schedules_illustration.svg",
           f"{_SCHEDULES}:plot_schedule_illustration", "schedule_formulas", "schedules_illustration.rst",
           "Learning-rate schedules", "plot_schedule_illustration", params="schedule_illustration"),
    Figure("schedules_val_accuracy", "results/figures/schedules/schedules_val_accuracy.svg",
           f"{_SCHEDULES}:plot_schedules_val_accuracy", "schedule_runs", "schedules_val_accuracy.rst",
           "Learning-rate schedules", "plot_schedules_val_accuracy"),
    # Question 5: the variance of a deep ReLU network's activations per initialisation.
    Figure("relu_variance_depth", "results/figures/relu_variance_depth.svg",
           "mlp_cifar.plots.relu_variance:plot_relu_variance", "relu_variance", "relu_variance.rst",
           "Derivations", "plot_relu_variance"),
]}

TABLES: dict[str, Table] = {t.key: t for t in [
    Table("runs", "results/tables/runs.html", "table_runs.rst"),
    Table("sweep", "results/tables/sweep.html", "table_sweep.rst"),
    Table("schedules", "results/tables/schedules.html", "table_schedules.rst"),
]}

# The tidy tables as CSV (mlp_cifar.tables): runs and epochs always, sweep and schedules where configured.
CSV_TABLES: dict[str, str] = {key: f"results/tables/{key}.csv" for key in ("runs", "epochs", "sweep", "schedules")}

# The report's sections in reading order: templates/sections/<name>.html.j2 each. The
# sections listed in config.yaml (report.sections) come where "configured" stands.
SECTIONS = ["title", "setup", "numpy_results", "comparison", "torch_results", "backends", "parity", "sweep",
            "schedules", "configured", "derivations", "all_runs", "provenance"]


class UnknownFigureError(ValueError):
    """A template names a figure that is not declared in FIGURES."""


class TemplateSyntaxProblem(ValueError):
    """A template is not valid Jinja (its file and line in the message)."""


def template_figure_keys(templates_dir: str | os.PathLike) -> dict[str, set[str]]:
    """Every figure key each template looks up with ``figure("key", ...)`` or ``has_figure("key", ...)``,
    by template file.

    A lookup whose key is not a literal string is an error: the workflow must know every figure
    the templates can ask for while it builds the DAG."""
    import jinja2
    from jinja2 import nodes

    env = jinja2.Environment()
    found: dict[str, set[str]] = {}
    for path in sorted(Path(templates_dir).rglob("*.j2")):
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name=path.name, filename=str(path))
        except jinja2.TemplateSyntaxError as err:
            raise TemplateSyntaxProblem(f"{path}, line {err.lineno}: {err.message}") from None
        keys = set()
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name in ("figure", "has_figure"):
                if not call.args or not isinstance(call.args[0], nodes.Const) or not isinstance(call.args[0].value, str):
                    raise UnknownFigureError(f"{path}:{call.lineno}: figure(...) must name its figure with a "
                                             f"literal string, e.g. figure(\"sweep_accuracy\")")
                keys.add(call.args[0].value)
        if keys:
            found[str(path)] = keys
    return found


def check_templates(templates_dir: str | os.PathLike) -> None:
    """Raise UnknownFigureError naming each template that looks up a figure not in FIGURES."""
    problems = [f"{path}: figure {key!r}" for path, keys in template_figure_keys(templates_dir).items()
                for key in sorted(keys) if key not in FIGURES]
    if problems:
        raise UnknownFigureError("templates name figures that are not declared in mlp_cifar/figures.py FIGURES "
                                 f"({', '.join(sorted(FIGURES))}):\n  " + "\n  ".join(problems))
