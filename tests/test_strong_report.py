"""The report's section on the stronger configuration (run `strong`) beside the default run."""

from __future__ import annotations

import re

import pytest

from mlp_cifar import plots
from mlp_cifar.metrics import run_metrics
from mlp_cifar.report import build_context, render_html
from mlp_cifar.report.strong import n_parameters, schedule_text, strong_context
from mlp_cifar.training import RunConfig, train
from test_report import TEMPLATES, provenance_of, tiny_splits

STRONG = dict(hidden=[32, 16], batch_norm=True, momentum=0.9, weight_decay=5e-4, lr=0.05, epochs=3, batch_size=64,
              schedule={"name": "cosine"}, augment={"flip": True, "crop": 4}, zca=0.1)


@pytest.fixture(scope="module")
def runs():
    splits = tiny_splits()
    docs = {"numpy_default": train(RunConfig(hidden=[16], epochs=2, batch_size=64), splits, progress=False),
            "strong": train(RunConfig(**STRONG), splits, progress=False)}
    for doc in docs.values():
        doc["data"]["split_seed"] = 42
    return docs


def render(runs, tmp_path):
    paths = {}
    for name in runs:
        for kind, plot in (("batch_losses", plots.plot_batch_losses), ("val_accuracy", plots.plot_val_accuracy)):
            paths[f"{name}_{kind}"] = tmp_path / f"{name}_{kind}.svg"
            plot({name: runs[name]}, paths[f"{name}_{kind}"])
    paths["batch_losses"], paths["val_accuracy"] = paths["numpy_default_batch_losses"], paths["numpy_default_val_accuracy"]
    metrics = {"runs": {name: run_metrics(doc) for name, doc in runs.items()}}
    context = build_context(runs, metrics, paths, {}, provenance_of(runs, {}))
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
    seconds = context["strong"]["seconds"]["strong"]
    assert seconds["train"] == pytest.approx(strong["train_seconds"]) and seconds["whiten"] > 0
    assert seconds["budget"] == pytest.approx(strong["whiten_seconds"] + strong["train_seconds"]
                                              + sum(e["eval_seconds"] for e in strong["epochs"]))
    # after the NumPy/PyTorch sections, before the derivations and provenance
    assert html.index('id="results-numpy"') < html.index('<section id="strong"') < html.index('id="provenance"')
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids in the HTML"


def test_strong_section_is_left_out_without_the_run(runs, tmp_path):
    _, html = render({"numpy_default": runs["numpy_default"]}, tmp_path)
    assert 'id="strong"' not in html


def test_configuration_text():
    assert n_parameters({"hidden": [128]}) == 3072 * 128 + 128 + 128 * 10 + 10
    assert n_parameters({"hidden": [4], "batch_norm": True}) == 3073 * 4 + 5 * 10 + 8
    assert schedule_text({"lr": 0.05, "epochs": 40, "schedule": {"name": "cosine"}}).startswith(
        "cosine, 0.05 to 0 over 40 epochs")
    assert schedule_text({"schedule": None}) == "constant"
    assert schedule_text({"schedule": {"name": "step", "step_size": 3, "gamma": 0.5}}) == "step, step size 3, gamma 0.5"
    assert strong_context({}, "numpy_default") is None

