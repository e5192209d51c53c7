"""Everything the report's templates need, as plain data: one builder per section, called here.

Each section's numbers are computed by the module named after it (``setup``, ``comparison``,
``backends``, ``parity``, ``sweep``, ``schedules``, ``run_comparison``, ``derivations``,
``all_runs``, ``provenance``); the templates only place them. Figures are looked up by their
declared key (``mlp_cifar.figures.FIGURES``) through ``figure(key, run)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

from markupsafe import Markup

from mlp_cifar.data.archive import OFFICIAL_MD5
from mlp_cifar.data.dataset import MEAN, STD
from mlp_cifar.figures import SECTIONS
from mlp_cifar.report.all_runs import all_runs_context
from mlp_cifar.report.backends import backends_context
from mlp_cifar.report.comparison import comparison
from mlp_cifar.report.derivations import derivations_context
from mlp_cifar.report.errors import ReportError
from mlp_cifar.report.figure_sources import source_line
from mlp_cifar.report.original import original
from mlp_cifar.report.parity import parity_context
from mlp_cifar.report.provenance import provenance_context
from mlp_cifar.report.question_map import question_map
from mlp_cifar.report.run_comparison import run_comparison_context
from mlp_cifar.report.schedules import schedules_context
from mlp_cifar.report.hyperparameters import hyperparameter_rows
from mlp_cifar.report.summary import architecture, binomial_se, compute_summary, summarise_run
from mlp_cifar.report.svg import inline_svg
from mlp_cifar.report.sweep import sweep_context

DEFAULT_MAIN_RUN = "numpy_default"
DEFAULT_TITLE = "A multi-layer perceptron on CIFAR-10, reproduced"

FigureId = tuple  # (key, run or None)


class Figures:
    """The report's figures, inlined once, looked up by declared key (and run, for per-run figures).

    Templates call ``figure("sweep_accuracy")`` or ``figure("batch_losses", run.name)``, and
    ``has_figure(...)`` where a figure is optional."""

    def __init__(self, paths: Mapping[FigureId, str | os.PathLike], sources: Mapping[FigureId, Mapping] | None = None,
                 git: Mapping | None = None):
        self._svg = {}
        for (key, run), path in paths.items():
            name = key if run is None else f"{key}-{run}"
            svg = inline_svg(Path(path).read_text(encoding="utf-8"), f"fig-{name}-",
                             label=name.replace("_", " ").replace("-", " of "))
            source = (sources or {}).get((key, run))
            # The source line follows the drawing; rendering moves it into the figure's caption.
            self._svg[(key, run)] = svg + source_line(source, git or {}) if source else svg

    def has(self, key: str, run: str | None = None) -> bool:
        return (key, run) in self._svg

    def __call__(self, key: str, run: str | None = None) -> Markup:
        if (key, run) not in self._svg:
            given = ", ".join(k if r is None else f"{k} of {r}" for k, r in sorted(self._svg, key=str)) or "none"
            raise ReportError(f"the report needs figure {key!r}" + (f" of run {run!r}" if run else "")
                              + f", which was not given to it (given: {given})")
        return self._svg[(key, run)]


def report_sections(configured: Sequence[Mapping] = ()) -> list[dict]:
    """The sections in reading order (mlp_cifar.figures.SECTIONS), each ``{"template": ..., "name": ...}``;
    the configured ones (config report.sections) where SECTIONS says "configured"."""
    out = []
    for name in SECTIONS:
        if name == "configured":
            out += [{"template": "sections/run_comparison.html.j2", "name": s["name"]} for s in configured]
        else:
            out.append({"template": f"sections/{name}.html.j2", "name": name})
    return out


def build_context(runs: Mapping[str, Mapping], metrics: Mapping, figures: Mapping[FigureId, str | os.PathLike],
                  config: Mapping, provenance: Mapping, main_run: str = DEFAULT_MAIN_RUN,
                  title: str = DEFAULT_TITLE, parity: Mapping | None = None,
                  derivations: Mapping | None = None,
                  figure_sources: Mapping[FigureId, Mapping] | None = None) -> dict:
    """Everything the templates need, as plain data.

    ``runs``: run name -> result document; ``metrics``: the workflow's ``metrics.json``
    (``mlp_cifar.metrics``); ``figures``: ``(key, run)`` -> SVG file, ``run`` None for a figure
    that is not drawn per run (keys: ``mlp_cifar.figures.FIGURES``); ``config``: the workflow
    configuration (its ``report.sections`` add sections; shown in Provenance unless
    ``provenance["config"]`` is given); ``provenance``: ``{git: {commit, dirty},
    versions: {package: version}, config: {...}, archive: {path, md5, official},
    rule_seconds: {rule: seconds}, cpu: {cpu_count, processor, platform},
    threads: int | None}`` (missing entries fall back to the main run's
    document or show as unknown); ``main_run``: the run shown in the NumPy
    results section and compared with the original report. With ``metrics["backends"]``
    the PyTorch run named there gets its own results section and NumPy and PyTorch are
    compared; ``parity``: the float64 parity document of ``mlp_cifar.parity``;
    ``derivations``: keyword arguments of ``mlp_cifar.report.derivations.derivations_context``
    (``results``, ``relu_variance``) for the derivations section, which is left out without them.
    """
    if main_run not in runs:
        raise ReportError(f"main run {main_run!r} is not among the runs: {sorted(runs)}")
    metrics = metrics or {}
    config = config or {}
    run_metrics = metrics.get("runs", {})
    summaries = {name: summarise_run(name, doc, run_metrics.get(name)) for name, doc in runs.items()}
    main = summaries[main_run]
    prov = provenance_context(provenance or {}, config, main)
    figure = Figures(figures, figure_sources, (provenance or {}).get("git"))

    originals = {backend: original(backend) for backend in ("numpy", "torch")}
    backends = backends_context(summaries, metrics, originals)
    backend = main["backend"] if main["backend"] in originals else "numpy"
    data = main["data"]
    configured = list((config.get("report") or {}).get("sections") or [])
    return {
        "title": title,
        "main_run": main_run,
        "run": main,
        "runs": summaries,
        "figure": figure,
        "has_figure": figure.has,
        "sections": report_sections(configured),
        "question_map": question_map(),
        "architecture": architecture(main["config"]),
        "hyperparameters": hyperparameter_rows(main),
        "original": originals,
        "comparison": comparison(originals[backend], main),
        "data": {
            "n_train": data.get("n_train"),
            "n_val": data.get("n_val"),
            "n_test": data.get("n_test"),
            "n_train_pool": (data.get("n_train") or 0) + (data.get("n_val") or 0),
            "split_seed": data.get("split_seed"),
            "mean": MEAN,
            "std": STD,
            "official": prov["archive"]["official"],
            "md5": prov["archive"]["md5"],
            "official_md5": OFFICIAL_MD5,
        },
        "standard_error": {
            "val": binomial_se(main["best_val_accuracy"], data.get("n_val")),
            "test": binomial_se(main["test_accuracy"], data.get("n_test")),
        },
        "provenance": prov,
        "torch": backends["torch"] if backends else None,
        "backends": backends,
        "parity": parity_context(parity),
        "compute": compute_summary(summaries),
        "derivations": derivations_context(**derivations) if derivations else None,
        "sweep": sweep_context(metrics.get("sweep")),
        "schedules": schedules_context(metrics.get("schedules"), metrics.get("groups"),
                                       decays=(config.get("schedules") or {}).get("decays") or ()),
        # The configured comparison sections (config report.sections), by name.
        "run_comparisons": {s["name"]: run_comparison_context(summaries, s) for s in configured},
        "all_runs": all_runs_context(metrics, runs),
    }
