"""The plan: the experiment configuration in, what the workflow builds out. Plain Python, no Snakemake.

``make_plan(config)`` is the one place that turns config.yaml into

- the training runs, name -> full settings, each checked as a run (`RunConfig`), with the seed
  groups, the sweep's and the schedules' runs, and the NumPy/PyTorch pair;
- the training jobs: one per run, except the sweep, whose runs of one learning rate share a job;
- the report's configured sections (config report.sections), checked;
- the runs the report shows in full, and for every declared figure (mlp_cifar.figures) the
  documents it is drawn from, whether the report shows it, and the settings passed to it;
- the jobs of every rule with wildcards (`Plan.jobs`): the files a rule makes per job (its
  benchmark file, for the report's step times) are read off the rules and expanded over these.

The rule files (workflow/rules/*.smk) hold the rules and the input functions Snakemake needs; they
read everything else from here. tests/test_plan.py checks the plan without Snakemake.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple

from mlp_cifar.figures import CSV_TABLES, FIGURES, Figure
from mlp_cifar.runs import schedule_runs, split_sweep_run_name, sweep_jobs, sweep_runs
from mlp_cifar.training import backend_module

RUN_DOCUMENT = "results/runs/{run}.json"
RELU_VARIANCE = "results/derivations/relu_variance.json"
DATA_DIR = "data"
DOWNLOADED_ARCHIVE = f"{DATA_DIR}/cifar-10-python.tar.gz"
SYNTHETIC_ARCHIVE = f"{DATA_DIR}/synthetic/cifar-10-python.tar.gz"
SPLITS_DIR = f"{DATA_DIR}/splits"


def run_documents(runs: Iterable[str]) -> list[str]:
    """The result document of each run."""
    return [RUN_DOCUMENT.format(run=run) for run in runs]


class FigureInputs(NamedTuple):
    """A group of documents figures are drawn from (Figure.inputs names one)."""

    documents: list[str]  # '{run}' in them: those of the run a per-run figure is drawn for
    shown: bool  # whether the report shows the figures drawn from it


class TrainingJob(NamedTuple):
    rule: str  # train (one run) or train_sweep_rate (a learning rate's runs, one per batch-norm setting)
    wildcards: dict[str, str]
    runs: list[str]  # in the order the job trains them


@dataclass(frozen=True)
class Plan:
    runs: dict[str, dict]  # every training run, name -> full settings, in the order of the config
    seed_groups: dict[str, list[str]]  # backend -> its repeated runs of `defaults`, in seed order
    sweep_runs: list[str]  # by learning rate, then batch-norm setting
    schedule_runs: list[str]  # in the order of schedules.compare
    sweep_jobs: dict[str, list[str]]  # rate token -> the runs its one job trains
    backend_pair: list[str] | None  # the NumPy and the PyTorch main run (same seed), when both are repeated
    main_run: str
    sections: list[dict]  # config report.sections, checked
    figure_runs: list[str]  # runs shown in full, with their own figures
    figure_inputs: dict[str, FigureInputs]  # group name (Figure.inputs) -> its documents
    figure_params: dict[str, dict]  # group name (Figure.params) -> settings passed to the drawing function

    @property
    def sweep_kinds(self) -> list[str]:
        """The batch-norm settings' name suffixes of a sweep job's runs (plain, bn), the same for every rate."""
        return [split_sweep_run_name(run)[1] for run in next(iter(self.sweep_jobs.values()), [])]

    def training_jobs(self) -> list[TrainingJob]:
        """Every training job: rule train for each run outside the sweep, train_sweep_rate for each rate."""
        jobs = [TrainingJob("train", {"run": run}, [run]) for run in self.runs if run not in self.sweep_runs]
        return jobs + [TrainingJob("train_sweep_rate", {"rate": rate}, runs) for rate, runs in self.sweep_jobs.items()]

    def job_runs(self, wildcards: Mapping[str, str]) -> list[str]:
        """The runs of the training job with these wildcards (``run`` or ``rate``)."""
        return [wildcards["run"]] if "run" in wildcards else list(self.sweep_jobs[wildcards["rate"]])

    def backend_modules(self, runs: Iterable[str]) -> list[str]:
        """The backend modules that training ``runs`` loads (by name: mlp_cifar.training.BACKEND_CLASSES)."""
        return sorted({backend_module(self.runs[run]["backend"]) for run in runs})

    def jobs(self) -> dict[str, list[dict[str, str]]]:
        """The wildcards of every job of each rule with wildcards: the training rules, and each figure
        drawn per run that the report shows. A rule with wildcards that is missing here has no job the
        plan knows of."""
        jobs: dict[str, list[dict[str, str]]] = {"train": [], "train_sweep_rate": []}
        for job in self.training_jobs():
            jobs[job.rule].append(job.wildcards)
        for figure, run in self.report_figures():
            if run is not None:
                jobs.setdefault(figure.rule, []).append({"run": run})
        return jobs

    def report_figures(self) -> list[tuple[Figure, str | None]]:
        """(figure, run) for every figure the report shows: run None unless drawn per run."""
        return [(figure, run) for figure in FIGURES.values() if self.figure_inputs[figure.inputs].shown
                for run in (self.figure_runs if figure.per_run else [None])]

    def report_figure_inputs(self) -> dict[str, str]:
        """The report rule's figures, one named input each (Figure.input_name)."""
        return {figure.input_name(run): figure.file(run) for figure, run in self.report_figures()}

    def report_figure_sources(self) -> dict[str, dict]:
        """Per report figure input: its rule, drawing function and the documents it was drawn from, for
        the line under its caption."""
        return {figure.input_name(run): {"rule": figure.rule, "draw": figure.draw,
                                         "docs": [d.format(run=run) if run else d
                                                  for d in self.figure_inputs[figure.inputs].documents]}
                for figure, run in self.report_figures()}

    def csv_tables(self) -> dict[str, str]:
        """The tables rule's CSVs, by output name: runs and epochs always, sweep and schedules when configured."""
        wanted = {"runs": True, "epochs": True, "sweep": bool(self.sweep_runs), "schedules": bool(self.schedule_runs)}
        return {f"csv_{key}": path for key, path in CSV_TABLES.items() if wanted[key]}


def _repeats(config: Mapping) -> tuple[dict[str, dict], dict[str, list[str]]]:
    """`defaults` once per backend and seed of `repeats`: <backend>_default (first seed) and
    <backend>_default_seed<N> (`repeats.threads`, when set, as their `threads`)."""
    runs, groups = {}, {}
    repeats = config["repeats"]
    for backend in repeats["backends"]:
        groups[backend] = []
        for i, seed in enumerate(repeats["seeds"]):
            name = f"{backend}_default" if i == 0 else f"{backend}_default_seed{seed}"
            runs[name] = {**config["defaults"], "backend": backend, "seed": seed}
            if "threads" in repeats:  # like the `threads` of a run of `runs`
                runs[name]["threads"] = repeats["threads"]
            groups[backend].append(name)
    return runs, groups


def _check_name(name: str, periodic: Callable[[str], str | None]) -> None:
    """A run name that Snakemake takes for an endless cycle of wildcards (``periodic`` says which
    repeated ending it sees) is an error naming the repeated part."""
    repeated = periodic(name)
    if not repeated:
        return
    repeated = next(repeated[:n] for n in range(1, len(repeated) + 1)
                    if repeated[:n] * (len(repeated) // n) == repeated)
    raise ValueError(f"config: run name {name[:40]!r}{'...' if len(name) > 40 else ''} ends in {repeated!r} "
                     f"repeated {len(name) // len(repeated)} times, which Snakemake takes for an endless cycle of "
                     "wildcards and skips; choose another name")


def _check_settings(name: str, settings: Mapping) -> None:
    """A run's settings as the trainer will check them, before any job: a bad one names the run."""
    from mlp_cifar.training.config import RunConfig

    try:
        RunConfig(**settings)
    except (TypeError, ValueError) as err:
        raise ValueError(f"config: run {name!r}: {err}") from None


def _checked_sections(config: Mapping, runs: Mapping) -> list[dict]:
    """The report's sections beyond the assignment (config report.sections): names unique, and each
    section's run and baseline runs of the workflow."""
    sections = list(config["report"].get("sections") or [])
    names = [section["name"] for section in sections]
    for section in sections:
        if names.count(section["name"]) > 1:
            raise ValueError(f"config: report.sections names {section['name']!r} twice; names must differ")
        for key in ("run", "baseline"):
            if section[key] not in runs:
                raise ValueError(f"config: report.sections {section['name']!r}: {key} {section[key]!r} is not a "
                                 f"run; runs: {sorted(runs)}")
    return sections


def make_plan(config: Mapping, periodic: Callable[[str], str | None] = lambda name: None) -> Plan:
    """The plan of ``config`` (validated against the config schema). ``periodic``: the repeated ending
    of a name that Snakemake would take for an endless cycle of wildcards, else None (Snakemake's
    ``PeriodicityDetector().is_periodic``). A config that cannot work raises ValueError naming the setting."""
    runs, groups = _repeats(config)
    for name, overrides in config["runs"].items():
        if name in runs:
            raise ValueError(f"config: run {name!r} in `runs` clashes with a run of `repeats`; rename it")
        runs[name] = {**config["defaults"], **overrides}
    sweep = sweep_runs(config["defaults"], config.get("sweep") or {"lrs": []})
    schedules = schedule_runs(config["defaults"], config.get("schedules") or {})
    for block, expanded in (("sweep", sweep), ("schedules", schedules)):
        for name, settings in expanded.items():
            if name in runs:
                raise ValueError(f"config: run {name!r} of `{block}` clashes with another run; rename that one")
            runs[name] = settings
    for name, settings in runs.items():
        _check_name(name, periodic)
        _check_settings(name, settings)
    main_run = config["report"]["main_run"]
    if main_run not in runs:
        raise ValueError(f"config: report.main_run {main_run!r} is not a run; runs: {sorted(runs)}")
    sections = _checked_sections(config, runs)
    pair = [groups["numpy"][0], groups["torch"][0]] if {"numpy", "torch"} <= set(groups) else None
    figure_runs = list(dict.fromkeys([main_run, *(pair or []),
                                      *[run for s in sections for run in (s["run"], s["baseline"])]]))
    schedule_config = config.get("schedules") or {}
    figure_inputs = {
        "run": FigureInputs([RUN_DOCUMENT], bool(figure_runs)),
        "backend_pair": FigureInputs(run_documents(pair or []), bool(pair)),
        "seed_runs": FigureInputs(run_documents(run for group in groups.values() for run in group), bool(groups)),
        "sweep_runs": FigureInputs(run_documents(sweep), bool(sweep)),
        "schedule_runs": FigureInputs(run_documents(schedules), bool(schedules)),
        "schedule_formulas": FigureInputs([], bool(config.get("schedules"))),
        "relu_variance": FigureInputs([RELU_VARIANCE], True),
    }
    figure_params = {
        "seed_groups": {"groups": groups},
        "schedule_illustration": {"lr0": config["defaults"]["lr"], "epochs": config["defaults"]["epochs"],
                                  "decays": schedule_config.get("decays", []),
                                  "compare": schedule_config.get("compare", [])},
    }
    for figure in FIGURES.values():
        if figure.inputs not in figure_inputs or (figure.params or None) not in (None, *figure_params):
            raise ValueError(f"mlp_cifar/figures.py: figure {figure.key!r} names inputs {figure.inputs!r} or params "
                             f"{figure.params!r} that mlp_cifar/plan.py does not define")
    return Plan(runs=runs, seed_groups=groups, sweep_runs=list(sweep), schedule_runs=list(schedules),
                sweep_jobs=sweep_jobs(list(sweep)), backend_pair=pair, main_run=main_run, sections=sections,
                figure_runs=figure_runs, figure_inputs=figure_inputs, figure_params=figure_params)


def archive_path(config: Mapping) -> str:
    """The archive the workflow reads: synthetic, local (config key cifar10_archive), or downloaded.

    A local archive that exists is named by its real path, so that the same file written another way
    (`./`, `..`, a symlink, relative or absolute) is the same input and retrains nothing."""
    if config["data"].get("synthetic"):
        return SYNTHETIC_ARCHIVE
    local = config.get("cifar10_archive")
    if not local:
        return DOWNLOADED_ARCHIVE
    real = os.path.realpath(os.path.expanduser(str(local)))
    return real if os.path.isfile(real) else str(local)


def local_archive(config: Mapping) -> str | None:
    """The local archive's path when config key cifar10_archive names a file that exists, else None."""
    path = archive_path(config)
    if path in (SYNTHETIC_ARCHIVE, DOWNLOADED_ARCHIVE) or not Path(path).is_file():
        return None
    return path
