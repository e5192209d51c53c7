# Shared helpers for all rule files (run settings, archive location, code dependencies).
import os
from pathlib import Path

from snakemake.exceptions import WorkflowError

# The package beside this Snakefile (Snakemake puts its directory first on sys.path).
from mlp_cifar.runs import cluster_resources, schedule_runs, sweep_runs

DATA_DIR = "data"
DOWNLOADED_ARCHIVE = f"{DATA_DIR}/cifar-10-python.tar.gz"
SYNTHETIC_ARCHIVE = f"{DATA_DIR}/synthetic/cifar-10-python.tar.gz"


def sweep_settings():
    """The learning-rate sweep's runs, name -> settings (by rate, then batch-norm setting)."""
    return sweep_runs(config["defaults"], config.get("sweep") or {"lrs": []})


def schedule_settings():
    """The compared schedules' runs, name -> settings (in the order of schedules.compare)."""
    return schedule_runs(config["defaults"], config.get("schedules") or {})


def expand_runs():
    """Every training run, name -> full settings: the one place that turns the config into runs.

    `repeats` trains `defaults` once per backend and seed, as <backend>_default (first seed)
    and <backend>_default_seed<N>; `runs` adds named runs, each `defaults` updated with its own
    overrides; `sweep` adds sweep_lr_<rate>_<plain|bn> per learning rate and batch-norm setting,
    and `schedules` adds schedule_<name> per compared schedule (names: mlp_cifar.runs).
    Returns (settings by run, seed groups: backend -> its runs in seed order).
    """
    runs, groups = {}, {}
    seeds = config["repeats"]["seeds"]
    for backend in config["repeats"]["backends"]:
        groups[backend] = []
        for i, seed in enumerate(seeds):
            name = f"{backend}_default" if i == 0 else f"{backend}_default_seed{seed}"
            runs[name] = {**config["defaults"], "backend": backend, "seed": seed}
            groups[backend].append(name)
    for name, overrides in config["runs"].items():
        if name in runs:
            raise ValueError(
                f"config: run {name!r} in `runs` clashes with a run of `repeats`; rename it"
            )
        runs[name] = {**config["defaults"], **overrides}
    for block, expanded in (
        ("sweep", sweep_settings()),
        ("schedules", schedule_settings()),
    ):
        for name, settings in expanded.items():
            if name in runs:
                raise ValueError(
                    f"config: run {name!r} of `{block}` clashes with another run; rename that one"
                )
            runs[name] = settings
    main_run = config["report"]["main_run"]
    if main_run not in runs:
        raise ValueError(
            f"config: report.main_run {main_run!r} is not a run; runs: {sorted(runs)}"
        )
    return runs, groups


RUN_SETTINGS, SEED_GROUPS = expand_runs()
RUNS = list(RUN_SETTINGS)
# The learning-rate sweep's runs (by rate, then batch-norm setting) and the compared schedules' runs.
SWEEP_RUNS = list(sweep_settings())
SCHEDULE_RUNS = list(schedule_settings())
# The two main runs compared side by side (same seed), when both backends are repeated.
BACKEND_PAIR = (
    [SEED_GROUPS["numpy"][0], SEED_GROUPS["torch"][0]]
    if {"numpy", "torch"} <= set(SEED_GROUPS)
    else None
)


def archive_path():
    """The archive the workflow reads: synthetic, local (config key cifar10_archive), or downloaded."""
    if config["data"].get("synthetic"):
        return SYNTHETIC_ARCHIVE
    return config.get("cifar10_archive") or DOWNLOADED_ARCHIVE


def archive_input(wildcards):
    # A missing local archive is not declared as input, so that the rule itself
    # runs and fails with a message naming the config key, not a bare
    # MissingInputException.
    path = archive_path()
    if path in (SYNTHETIC_ARCHIVE, DOWNLOADED_ARCHIVE) or Path(path).is_file():
        return path
    return []


def run_settings(run):
    """The full settings of one run (see expand_runs)."""
    return RUN_SETTINGS[run]


def run_resource(key):
    """A training job's cluster resource `key` (mem_mb, runtime in minutes, gpu), from its run's
    settings (mlp_cifar.runs.cluster_resources)."""
    return lambda wildcards: cluster_resources(run_settings(wildcards.run))[key]


def run_json(*runs):
    return [f"results/runs/{run}.json" for run in runs]


def report_figures():
    """The figures the report shows: each main run's own, and the NumPy/PyTorch comparisons."""
    # The run named `strong` (config `runs`), if any, has its own section (mlp_cifar.report.strong).
    strong = ["strong"] if "strong" in RUN_SETTINGS else []
    main_runs = dict.fromkeys(
        [config["report"]["main_run"], *(BACKEND_PAIR or []), *strong]
    )
    figures = expand(
        "results/figures/{run}_{figure}.svg",
        run=list(main_runs),
        figure=["batch_losses", "val_accuracy"],
    )
    if BACKEND_PAIR:
        figures += expand(
            "results/figures/compare/numpy_vs_torch_{figure}.svg",
            figure=["batch_losses", "val_accuracy", "loss_difference"],
        )
    if SEED_GROUPS:
        figures.append("results/figures/compare/seeds_val_accuracy.svg")
    return figures + sweep_figures() + schedule_figures()


def sweep_figures():
    """The learning-rate sweep's figures (workflow/rules/sweep.smk); none without sweep runs."""
    kinds = ["accuracy", "epoch_losses", "batch_losses"]
    return (
        expand("results/figures/sweep/lr_sweep_{kind}.svg", kind=kinds)
        if SWEEP_RUNS
        else []
    )


def schedule_figures():
    """The schedules' figures (workflow/rules/schedules.smk): the illustration, and the compared runs."""
    figures = (
        ["results/figures/schedules/schedules_illustration.svg"]
        if config.get("schedules")
        else []
    )
    if SCHEDULE_RUNS:
        figures.append("results/figures/schedules/schedules_val_accuracy.svg")
    return figures


def train_threads():
    """Threads of a training job: config train_threads, else all of --cores. Cluster runs have no
    --cores (Snakemake raises on asking); their profile sets the threads per rule (set-threads).
    """
    if config.get("train_threads"):
        return config["train_threads"]
    try:
        return workflow.cores
    except WorkflowError:
        return 1


def code(*modules):
    """Package source files a rule depends on, so editing them reruns the rule."""
    return sorted(str(p) for m in modules for p in Path("mlp_cifar").glob(m))


def rule_benchmarks():
    """Benchmark files of every job before the report (their wall times go into it)."""
    return [
        "results/benchmarks/prepare_data.tsv",
        "results/benchmarks/parity.tsv",
        "results/benchmarks/derivations.tsv",
        "results/benchmarks/relu_variance.tsv",
        *expand("results/benchmarks/train_{run}.tsv", run=RUNS),
    ]
