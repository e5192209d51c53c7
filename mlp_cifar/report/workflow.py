"""The workflow's report job: read the documents and figures the rule was given, render the HTML
(rule report_pdf then renders the PDF from it: mlp_cifar.report.pdf)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from mlp_cifar.job import read_run_documents, read_json
from mlp_cifar.provenance import git_state, machine, package_versions, rule_seconds
from mlp_cifar.report.context import build_context
from mlp_cifar.report.figure_sources import origin_github_url
from mlp_cifar.report.provenance import made_rows
from mlp_cifar.results_cache import checkout_id
from mlp_cifar.report.render import write_html

TEMPLATES = Path("templates")


def figure_id(input_name: str) -> tuple[str, str | None]:
    """The report rule's input name of a figure -> (key, run); see mlp_cifar.figures.Figure.input_name."""
    parts = input_name.split("__", 2)
    if len(parts) < 2 or parts[0] != "figure":
        raise ValueError(f"{input_name!r} is not the input name of a figure (figure__<key>[__<run>])")
    return parts[1], parts[2] if len(parts) == 3 else None


def render_workflow_report(inputs: Mapping[str, str | list], config: Mapping, main_run: str,
                           out_html: str | os.PathLike,
                           figure_sources: Mapping[str, Mapping] | None = None,
                           pdf: str | os.PathLike | None = None) -> None:
    """``inputs``: the report rule's named inputs (runs, metrics, parity, derivations, relu_variance,
    archive_info, benchmarks, and one ``figure__<key>[__<run>]`` per figure); ``figure_sources``: per
    figure input name, the rule, drawing function and documents that made it (its caption says so).
    ``pdf``: the PDF rendered from the previous HTML (rule report_pdf), removed when this rendering
    fails: Snakemake removes the failed job's HTML, and the pair must not be an old PDF alone."""
    try:
        _render(inputs, config, main_run, out_html, figure_sources)
    except BaseException:
        if pdf is not None:
            Path(pdf).unlink(missing_ok=True)
        raise


def _render(inputs: Mapping[str, str | list], config: Mapping, main_run: str, out_html: str | os.PathLike,
            figure_sources: Mapping[str, Mapping] | None) -> None:
    docs = read_run_documents(inputs["runs"])
    parity, derivations, relu_variance = (read_json(inputs[k]) for k in ("parity", "derivations", "relu_variance"))
    made = made_rows({**docs, "parity": parity, "derivations": derivations, "relu_variance": relu_variance},
                     checkout_id())
    provenance = {
        "git": {**git_state(), "github": origin_github_url()},
        "versions": package_versions(),
        "config": config,
        "archive": read_json(inputs["archive_info"]),
        "rule_seconds": rule_seconds(inputs["benchmarks"]),
        "cpu": machine(),
        "threads": {name: doc["threads"] for name, doc in docs.items()},
        "made": made,
    }
    figures = {figure_id(name): path for name, path in inputs.items() if name.startswith("figure__")}
    context = build_context(docs, read_json(inputs["metrics"]), figures, config, provenance, main_run=main_run,
                            title=config["report"]["title"],
                            parity=parity,
                            derivations={"results": derivations, "relu_variance": relu_variance},
                            figure_sources={figure_id(name): source for name, source in (figure_sources or {}).items()})
    write_html(context, TEMPLATES, out_html)
