"""The plan (mlp_cifar.plan): the config in, runs, training jobs, sections, figures and jobs per rule
out, checked as plain Python. Neither the plan nor these tests import Snakemake."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlp_cifar import plan as plan_module
from mlp_cifar.codedeps import _imported_modules, module_files
from mlp_cifar.figures import FIGURES, Figure
from mlp_cifar.plan import (DOWNLOADED_ARCHIVE, SYNTHETIC_ARCHIVE, FigureInputs, TrainingJob, archive_path,
                            local_archive, make_plan, run_documents)

REPO = Path(__file__).resolve().parents[1]
DEFAULTS = yaml.safe_load((REPO / "config.yaml").read_text())["defaults"]


def make_config(**changes) -> dict:
    """A small complete config: both backends, two seeds, one named run, a two-rate sweep with and
    without batch norm, two schedules and one configured section; ``changes`` replace whole blocks."""
    config = {
        "data": {"n_val": 5000, "split_seed": 42},
        "defaults": {**DEFAULTS, "threads": 1},
        "repeats": {"backends": ["numpy", "torch"], "seeds": [42, 43]},
        "runs": {"wide": {"hidden": [256]}},
        "sweep": {"lrs": [1.0, 0.1], "batch_norm": [False, True]},
        "schedules": {"compare": [{"name": "cosine"}, {"name": "time_based", "decay": 0.5}], "decays": [0.5, 1.0]},
        "parity": {"n_train": 256},
        "report": {"title": "A report", "main_run": "numpy_default",
                   "sections": [{"name": "wide", "title": "Wide", "run": "wide", "baseline": "numpy_default"}]},
    }
    config.update(copy.deepcopy(changes))
    return config


def test_neither_the_plan_nor_its_tests_import_snakemake():
    """The plan runs without Snakemake: nothing it (or this file) imports, directly or through the
    package, is Snakemake, and making a plan in a fresh interpreter loads none of it."""
    package = ["mlp_cifar/plan.py", *module_files(REPO / "mlp_cifar" / "plan.py", root=REPO)]
    modules = {REPO / f: ".".join(Path(f).with_suffix("").parts) for f in package}
    for path, module in [*modules.items(), (Path(__file__).resolve(), None)]:
        imported = _imported_modules(path, module)
        assert not [m for m in imported if m.split(".")[0] == "snakemake"], path
    script = ("import json, sys; from mlp_cifar.plan import make_plan; "
              f"make_plan(json.loads({json.dumps(json.dumps(make_config()))})); "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'snakemake'))")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_runs_come_from_repeats_runs_sweep_and_schedules_in_that_order():
    plan = make_plan(make_config())
    assert list(plan.runs) == [
        "numpy_default", "numpy_default_seed43", "torch_default", "torch_default_seed43", "wide",
        "sweep_lr_1em01_plain", "sweep_lr_1em01_bn", "sweep_lr_1e00_plain", "sweep_lr_1e00_bn",
        "schedule_cosine", "schedule_time_based"]
    assert plan.runs["torch_default_seed43"] == {**DEFAULTS, "threads": 1, "backend": "torch", "seed": 43}
    assert plan.runs["wide"]["hidden"] == [256] and plan.runs["wide"]["lr"] == DEFAULTS["lr"]
    assert plan.runs["sweep_lr_1e00_bn"] == {**plan.runs["numpy_default"], "lr": 1.0, "batch_norm": True,
                                             "schedule": None}
    assert plan.runs["schedule_time_based"]["schedule"] == {"name": "time_based", "decay": 0.5}
    assert plan.seed_groups == {"numpy": ["numpy_default", "numpy_default_seed43"],
                                "torch": ["torch_default", "torch_default_seed43"]}
    assert plan.sweep_runs == ["sweep_lr_1em01_plain", "sweep_lr_1em01_bn", "sweep_lr_1e00_plain", "sweep_lr_1e00_bn"]
    assert plan.schedule_runs == ["schedule_cosine", "schedule_time_based"]
    assert plan.backend_pair == ["numpy_default", "torch_default"]


def test_repeats_threads_set_the_repeated_runs_threads_only():
    plan = make_plan(make_config(repeats={"backends": ["numpy"], "seeds": [7], "threads": "all"}))
    assert plan.runs["numpy_default"]["threads"] == "all" and plan.runs["numpy_default"]["seed"] == 7
    assert plan.runs["wide"]["threads"] == 1
    assert plan.backend_pair is None


def test_each_run_has_one_training_job_and_a_sweep_rate_one_for_its_runs():
    plan = make_plan(make_config())
    jobs = plan.training_jobs()
    assert [job for job in jobs if job.rule == "train"] == [
        TrainingJob("train", {"run": run}, [run]) for run in plan.runs if not run.startswith("sweep_")]
    assert [job for job in jobs if job.rule == "train_sweep_rate"] == [
        TrainingJob("train_sweep_rate", {"rate": "1em01"}, ["sweep_lr_1em01_plain", "sweep_lr_1em01_bn"]),
        TrainingJob("train_sweep_rate", {"rate": "1e00"}, ["sweep_lr_1e00_plain", "sweep_lr_1e00_bn"])]
    assert sorted(run for job in jobs for run in job.runs) == sorted(plan.runs)  # each run once
    assert plan.sweep_kinds == ["plain", "bn"]
    assert plan.job_runs({"rate": "1e00"}) == ["sweep_lr_1e00_plain", "sweep_lr_1e00_bn"]
    assert plan.job_runs({"run": "wide"}) == ["wide"]


def test_a_training_job_loads_only_its_runs_backends():
    plan = make_plan(make_config())
    assert plan.backend_modules(["numpy_default", "wide"]) == ["mlp_cifar.training.numpy_backend"]
    assert plan.backend_modules(["torch_default", "numpy_default"]) == ["mlp_cifar.training.numpy_backend",
                                                                        "mlp_cifar.training.torch_backend"]


def test_jobs_per_rule_cover_the_training_rules_and_the_figures_drawn_per_run():
    plan = make_plan(make_config())
    jobs = plan.jobs()
    assert jobs["train"] == [job.wildcards for job in plan.training_jobs() if job.rule == "train"]
    assert jobs["train_sweep_rate"] == [{"rate": "1em01"}, {"rate": "1e00"}]
    per_run = [figure.rule for figure in FIGURES.values() if figure.per_run]
    assert per_run and all(jobs[rule] == [{"run": run} for run in plan.figure_runs] for rule in per_run)
    assert set(jobs) == {"train", "train_sweep_rate", *per_run}


def test_without_a_sweep_its_rule_has_no_jobs_and_its_figures_are_not_shown():
    plan = make_plan(make_config(sweep={"lrs": [], "batch_norm": [False]}, schedules=None))
    assert plan.jobs()["train_sweep_rate"] == [] and plan.sweep_kinds == []
    shown = {figure.key for figure, _ in plan.report_figures()}
    assert not shown & {"sweep_accuracy", "sweep_epoch_losses", "schedules_illustration", "schedules_val_accuracy"}
    assert {"batch_losses", "seeds_val_accuracy", "relu_variance_depth"} <= shown
    assert plan.csv_tables() == {"csv_runs": "results/tables/runs.csv", "csv_epochs": "results/tables/epochs.csv"}


def test_the_report_shows_the_main_run_the_pair_and_the_sections_runs_once_each():
    config = make_config()
    config["report"]["sections"].append({"name": "again", "title": "Again", "run": "numpy_default",
                                         "baseline": "wide"})
    plan = make_plan(config)
    assert plan.figure_runs == ["numpy_default", "torch_default", "wide"]
    inputs = plan.report_figure_inputs()
    assert inputs["figure__batch_losses__wide"] == "results/figures/wide_batch_losses.svg"
    assert inputs["figure__sweep_accuracy"] == FIGURES["sweep_accuracy"].path
    assert plan.report_figure_sources()["figure__val_accuracy__torch_default"] == {
        "rule": "plot_val_accuracy", "draw": FIGURES["val_accuracy"].draw, "docs": ["results/runs/torch_default.json"]}
    assert plan.report_figure_sources()["figure__seeds_val_accuracy"]["docs"] == run_documents(
        ["numpy_default", "numpy_default_seed43", "torch_default", "torch_default_seed43"])


def test_figure_inputs_and_params_are_named_fields():
    plan = make_plan(make_config())
    assert plan.figure_inputs["sweep_runs"] == FigureInputs(run_documents(plan.sweep_runs), True)
    assert plan.figure_inputs["run"].documents == ["results/runs/{run}.json"]
    assert plan.figure_params["seed_groups"] == {"groups": plan.seed_groups}
    assert plan.figure_params["schedule_illustration"] == {
        "lr0": DEFAULTS["lr"], "epochs": DEFAULTS["epochs"], "decays": [0.5, 1.0],
        "compare": [{"name": "cosine"}, {"name": "time_based", "decay": 0.5}]}


def test_a_figure_that_names_an_unknown_group_is_refused(monkeypatch):
    bad = Figure("odd", "results/figures/odd.svg", "mlp_cifar.plots.runs:plot_val_accuracy", "no_such_group",
                 "odd.rst", "Training runs", "plot_odd")
    monkeypatch.setitem(FIGURES, "odd", bad)
    with pytest.raises(ValueError, match="figure 'odd' names inputs 'no_such_group'"):
        make_plan(make_config())


@pytest.mark.parametrize("change, message", [
    ({"runs": {"numpy_default": {"lr": 0.5}}}, "run 'numpy_default' in `runs` clashes with a run of `repeats`"),
    ({"runs": {"sweep_lr_1em01_bn": {}}}, "run 'sweep_lr_1em01_bn' of `sweep` clashes with another run"),
    ({"runs": {"odd": {"pca": 64}}}, "config: run 'odd': invalid run configuration: pca=64 (expected null, or an "
                                     "integer in [1, 3072] with zca set"),
    ({"runs": {"odd": {"backend": "torch", "ema": 0.9}}}, "config: run 'odd': invalid run configuration: ema=0.9"),
    ({"runs": {"odd": {"schedule": {"name": "cosin"}}}}, "config: run 'odd': unknown schedule name 'cosin'"),
    ({"report": {"title": "t", "main_run": "nope"}}, "report.main_run 'nope' is not a run"),
    ({"report": {"title": "t", "main_run": "wide", "sections": [
        {"name": "strong", "title": "S", "run": "strnog", "baseline": "wide"}]}},
     "config: report.sections 'strong': run 'strnog' is not a run"),
    ({"report": {"title": "t", "main_run": "wide", "sections": [
        {"name": "a", "title": "A", "run": "wide", "baseline": "wide"},
        {"name": "a", "title": "B", "run": "wide", "baseline": "wide"}]}}, "report.sections names 'a' twice"),
])
def test_a_config_that_cannot_work_is_refused_naming_the_setting(change, message):
    with pytest.raises(ValueError) as err:
        make_plan(make_config(**change))
    assert message in str(err.value)


def test_a_run_name_snakemake_would_skip_is_refused_naming_its_repeated_part():
    def periodic(name):  # as Snakemake's PeriodicityDetector: the repeated ending, or None
        return "abab" * 10 if name.endswith("ab" * 20) else None

    config = make_config(runs={"wide": {}, "x" + "ab" * 20: {}})
    with pytest.raises(ValueError, match=r"ends in 'ab' repeated 20 times"):
        make_plan(config, periodic=periodic)
    make_plan(config)  # without the detector: accepted


def test_the_workflows_own_configs_make_plans():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    plan = make_plan(config)
    assert plan.main_run == config["report"]["main_run"] and plan.sweep_jobs
    smoke = yaml.safe_load((REPO / "profiles" / "smoke" / "experiment.yaml").read_text())
    assert make_plan({**config, **smoke}).runs


def test_the_archive_is_synthetic_local_or_downloaded(tmp_path, monkeypatch):
    assert archive_path({"data": {"synthetic": True}, "cifar10_archive": "x"}) == SYNTHETIC_ARCHIVE
    assert archive_path({"data": {}, "cifar10_archive": None}) == DOWNLOADED_ARCHIVE
    archive = tmp_path / "real" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    archive.write_bytes(b"x")
    (tmp_path / "link").symlink_to(archive.parent)
    monkeypatch.chdir(tmp_path)
    for written in ("link/cifar-10-python.tar.gz", "./real/../real/cifar-10-python.tar.gz", str(archive)):
        assert archive_path({"data": {}, "cifar10_archive": written}) == str(archive)
        assert local_archive({"data": {}, "cifar10_archive": written}) == str(archive)
    assert archive_path({"data": {}, "cifar10_archive": "missing.tar.gz"}) == "missing.tar.gz"
    assert local_archive({"data": {}, "cifar10_archive": "missing.tar.gz"}) is None


def test_the_plan_is_plain_data():
    plan = make_plan(make_config())
    assert json.loads(json.dumps(plan.runs)) == plan.runs
    assert plan_module.RUN_DOCUMENT.format(run="x") == run_documents(["x"])[0]
