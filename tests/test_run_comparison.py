"""A comparison section of config.yaml (report.sections): run `strong` beside the default run."""

from __future__ import annotations

import re

import pytest

from mlp_cifar.plots import runs as run_plots
from mlp_cifar.metrics import run_metrics
from mlp_cifar.report.context import build_context
from mlp_cifar.report.errors import ReportError
from mlp_cifar.report.render import render_html
from mlp_cifar.report.run_comparison import schedule_text
from mlp_cifar.runs import parameter_count
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from learnable import learnable_splits
from test_report import TEMPLATES, provenance_of

STRONG = dict(hidden=[32, 16], batch_norm=True, momentum=0.9, weight_decay=5e-4, lr=0.05, epochs=3, batch_size=64,
              schedule={"name": "cosine"}, augment={"flip": True, "crop": 4}, zca=0.1)


@pytest.fixture(scope="module")
def runs():
    splits = learnable_splits()  # the trainer tests' split: its ZCA fit is shared (conftest)
    docs = {"numpy_default": train(RunConfig(hidden=[16], epochs=2, batch_size=64), splits, progress=False),
            "strong": train(RunConfig(**STRONG), splits, progress=False)}
    for doc in docs.values():
        doc["data"]["split_seed"] = 42
    return docs


SECTION = {"name": "strong", "title": "A stronger MLP", "run": "strong", "baseline": "numpy_default",
           "intro": "Beyond the assignment."}


def render(runs, tmp_path, sections=(SECTION,)):
    paths = {}
    for name in runs:
        for kind, plot in (("batch_losses", run_plots.plot_batch_losses),
                           ("val_accuracy", run_plots.plot_val_accuracy)):
            paths[(kind, name)] = tmp_path / f"{name}_{kind}.svg"
            plot({name: runs[name]}, paths[(kind, name)])
    metrics = {"runs": {name: run_metrics(doc) for name, doc in runs.items()}}
    config = {"report": {"sections": list(sections)}}
    context = build_context(runs, metrics, paths, config, provenance_of(runs, config))
    return context, render_html(context, TEMPLATES)


def test_strong_section_shows_configuration_results_and_figures(runs, tmp_path):
    context, html = render(runs, tmp_path)
    section = html[html.index('<section id="strong"'):]
    section = section[: section.index("</section>")]
    strong, base = runs["strong"], runs["numpy_default"]
    assert f"{strong['test_accuracy']:.4f}" in section and f"{base['test_accuracy']:.4f}" in section
    assert "3072 → 32 → 16 → 10" in section and "3072 → 16 → 10" in section
    assert "random horizontal flip" in section and "zero-pad 4 px" in section and "ZCA, ε = 0.1" in section
    assert 'id="figure-strong-val-accuracy"' in section and 'id="figure-strong-batch-losses"' in section
    assert section.count("<svg") == 2
    assert "<h2>A stronger MLP</h2>" in section and "Beyond the assignment." in section
    seconds = context["run_comparisons"]["strong"]["seconds"]["run"]
    assert seconds["train"] == pytest.approx(strong["train_seconds"]) and seconds["whiten"] > 0
    assert seconds["budget"] == pytest.approx(strong["whiten_seconds"] + strong["train_seconds"]
                                              + sum(e["eval_seconds"] for e in strong["epochs"]))
    # after the NumPy/PyTorch sections, before the derivations and provenance
    assert html.index('id="results-numpy"') < html.index('<section id="strong"') < html.index('id="provenance"')
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids in the HTML"


def test_no_section_unless_configured(runs, tmp_path):
    _, html = render(runs, tmp_path, sections=())
    assert 'id="strong"' not in html


def test_any_run_against_any_baseline_in_configured_order(runs, tmp_path):
    reverse = {"name": "reverse", "title": "The default run against the strong one", "run": "numpy_default",
               "baseline": "strong"}
    _, html = render(runs, tmp_path, sections=(SECTION, reverse))
    assert html.index('<section id="strong"') < html.index('<section id="reverse"') < html.index('id="all-runs"')
    section = html[html.index('<section id="reverse"'):]
    section = section[: section.index("</section>")]
    assert 'id="figure-reverse-val-accuracy"' in section and section.count("<svg") == 2


def test_a_section_naming_a_missing_run_is_an_error(runs, tmp_path):
    with pytest.raises(ReportError, match="'nope' is not a run"):
        render(runs, tmp_path, sections=({**SECTION, "run": "nope"},))


def test_configuration_text():
    # mlp_cifar.runs.parameter_count: weights and biases, and batch norm's scale and shift per hidden unit
    assert parameter_count({"hidden": [128]}) == 3072 * 128 + 128 + 128 * 10 + 10
    assert parameter_count({"hidden": [4], "batch_norm": True}) == 3073 * 4 + 5 * 10 + 8
    assert parameter_count({"batch_norm": True}) == 3073 * 10  # no hidden layer
    assert schedule_text({"lr": 0.05, "epochs": 40, "schedule": {"name": "cosine"}}) == \
        "cosine, 0.05 to 0 over 40 epochs (set per epoch)"
    assert schedule_text({"schedule": None}) == "constant"
    assert schedule_text({"schedule": {"name": "step", "step_size": 3, "gamma": 0.5}}) == "step, step size 3, gamma 0.5"
    assert schedule_text({"schedule": {"name": "time_based", "decay": 0.5}}) == "time based, decay 0.5"

