# Shared helpers for all rule files (run settings, archive location, code dependencies, figures).
import os
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.io import PeriodicityDetector
from snakemake.logging import logger

# The package beside this Snakefile (Snakemake puts its directory first on sys.path).
from mlp_cifar.codedeps import module_files
from mlp_cifar.figures import (
    CSV_TABLES,
    FIGURES,
    SECTIONS,
    TABLES,
    TemplateSyntaxProblem,
    UnknownFigureError,
    check_templates,
)
from mlp_cifar.data.fingerprint import remembered_md5
from mlp_cifar.data.split_files import FILES as SPLIT_FILES
from mlp_cifar.job import run_document_problem
from mlp_cifar.runs import (
    SWEEP_PREFIX,
    cluster_resources,
    job_resources,
    schedule_runs,
    split_sweep_run_name,
    sweep_jobs,
    sweep_runs,
)
from mlp_cifar.signals import forward_interrupt_to_jobs
from mlp_cifar.training import BACKEND_CLASSES, backend_module
from mlp_cifar.snakemake_locks import keep_other_instances_locks

# Ctrl-C or `kill -INT` to Snakemake stops the running jobs instead of waiting for them.
forward_interrupt_to_jobs()
# A finishing Snakemake removes only its own locks, not those of another instance still running; a
# Snakemake whose internals no longer fit the patch gets a warning naming what changed.
_lock_patch_problem = keep_other_instances_locks()
if _lock_patch_problem:
    logger.warning(_lock_patch_problem)

DATA_DIR = "data"
DOWNLOADED_ARCHIVE = f"{DATA_DIR}/cifar-10-python.tar.gz"
SYNTHETIC_ARCHIVE = f"{DATA_DIR}/synthetic/cifar-10-python.tar.gz"
SPLITS_DIR = f"{DATA_DIR}/splits"
# The local archive's MD5 per file identity (mlp_cifar.data.fingerprint), beside Snakemake's own state.
ARCHIVE_MD5_MEMO = ".snakemake/mlp_cifar/archive_md5.json"


def sweep_settings():
    """The learning-rate sweep's runs, name -> settings (by rate, then batch-norm setting)."""
    return sweep_runs(config["defaults"], config.get("sweep") or {"lrs": []})


def schedule_settings():
    """The compared schedules' runs, name -> settings (in the order of schedules.compare)."""
    return schedule_runs(config["defaults"], config.get("schedules") or {})


def expand_runs():
    """Every training run, name -> full settings: the one place that turns the config into runs.

    `repeats` trains `defaults` once per backend and seed, as <backend>_default (first seed)
    and <backend>_default_seed<N> (`repeats.threads`, when set, as their `threads`); `runs` adds
    named runs, each `defaults` updated with its own overrides; `sweep` adds
    sweep_lr_<rate>_<plain|bn> per learning rate and batch-norm setting, and `schedules` adds
    schedule_<name> per compared schedule (names: mlp_cifar.runs).
    Returns (settings by run, seed groups: backend -> its runs in seed order).
    """
    runs, groups = {}, {}
    seeds = config["repeats"]["seeds"]
    for backend in config["repeats"]["backends"]:
        groups[backend] = []
        for i, seed in enumerate(seeds):
            name = f"{backend}_default" if i == 0 else f"{backend}_default_seed{seed}"
            runs[name] = {**config["defaults"], "backend": backend, "seed": seed}
            # `repeats.threads`: the threads of these runs, like the `threads` of a run of `runs`
            if "threads" in config["repeats"]:
                runs[name]["threads"] = config["repeats"]["threads"]
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
    periodic = PeriodicityDetector()
    for name in runs:
        repeated = periodic.is_periodic(name)
        if repeated:
            repeated = next(
                repeated[:n]
                for n in range(1, len(repeated) + 1)
                if repeated[:n] * (len(repeated) // n) == repeated
            )
            raise ValueError(
                f"config: run name {name[:40]!r}{'...' if len(name) > 40 else ''} ends in "
                f"{repeated!r} repeated {len(name) // len(repeated)} times, which Snakemake takes for "
                "an endless cycle of wildcards and skips; choose another name"
            )
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
# The sweep's training jobs, rate token -> its runs (one per batch-norm setting), and the batch-norm
# settings' name suffixes, the same for every rate.
SWEEP_JOBS = sweep_jobs(SWEEP_RUNS)
SWEEP_KINDS = [
    split_sweep_run_name(run)[1] for run in next(iter(SWEEP_JOBS.values()), [])
]
# The two main runs compared side by side (same seed), when both backends are repeated.
BACKEND_PAIR = (
    [SEED_GROUPS["numpy"][0], SEED_GROUPS["torch"][0]]
    if {"numpy", "torch"} <= set(SEED_GROUPS)
    else None
)


def retrain_damaged_run_documents():
    """A run document that is cut short, edited or not a run document at all (mlp_cifar.job) is named,
    and its time set back to 1970, so that Snakemake finds it older than its inputs and trains its run
    again (and redoes what depends on it). Snakemake itself looks only at the file's time: every later
    build would fail reading it. Returns the damaged documents."""
    damaged = {}
    # A cluster job's own Snakemake: the main one has seen to it.
    if not workflow.is_main_process:
        return damaged
    for path in run_json(*RUNS):
        if os.path.exists(path):
            problem = run_document_problem(path)
            if problem:
                damaged[path] = problem
    if damaged:
        for path, problem in damaged.items():
            logger.warning(f"{path} is damaged ({problem}): its run is trained again")
            try:
                os.utime(path, (0, 0))
            except OSError as err:
                raise WorkflowError(
                    f"{path} is damaged ({problem}) and cannot be marked out of date "
                    f"({err.strerror}); delete it and run the workflow again"
                )
    return damaged


def archive_path():
    """The archive the workflow reads: synthetic, local (config key cifar10_archive), or downloaded.

    A local archive that exists is named by its real path, so that the same file written another
    way (`./`, `..`, a symlink, relative or absolute) is the same input and retrains nothing.
    """
    if config["data"].get("synthetic"):
        return SYNTHETIC_ARCHIVE
    local = config.get("cifar10_archive")
    if not local:
        return DOWNLOADED_ARCHIVE
    real = os.path.realpath(os.path.expanduser(str(local)))
    return real if os.path.isfile(real) else str(local)


def local_archive():
    """The local archive's path when config key cifar10_archive names a file that exists, else None."""
    path = archive_path()
    if path in (SYNTHETIC_ARCHIVE, DOWNLOADED_ARCHIVE) or not Path(path).is_file():
        return None
    return path


def archive_input(wildcards):
    # A missing local archive is not declared as input, so that the rule itself
    # runs and fails with a message naming the config key, not a bare
    # MissingInputException. An existing one is `ancient`: its content decides
    # (archive_content), not its modification time.
    local = local_archive()
    if local:
        return ancient(local)
    path = archive_path()
    return path if path in (SYNTHETIC_ARCHIVE, DOWNLOADED_ARCHIVE) else []


def archive_content(wildcards):
    """A local archive's MD5 (None for the synthetic and downloaded archives, which rules make): a
    param of prepare_data, so that different bytes at the same path rebuild everything and the same
    bytes copied again (touched, re-downloaded) rebuild nothing."""
    local = local_archive()
    return remembered_md5(local, ARCHIVE_MD5_MEMO) if local else None


def run_settings(run):
    """The full settings of one run (see expand_runs)."""
    return RUN_SETTINGS[run]


def run_resource(key):
    """A training job's cluster resource `key` (mem_mb, runtime in minutes, gpu), from its run's
    settings (mlp_cifar.runs.cluster_resources)."""
    return lambda wildcards: cluster_resources(run_settings(wildcards.run))[key]


def sweep_job_resource(key):
    """A sweep rate's job's cluster resource `key`: its runs trained one after another
    (mlp_cifar.runs.job_resources)."""
    return lambda wildcards: job_resources(
        [run_settings(run) for run in SWEEP_JOBS[wildcards.rate]]
    )[key]


def run_json(*runs):
    return [f"results/runs/{run}.json" for run in runs]


def report_sections():
    """The report's sections beyond the assignment (config report.sections), each checked: its run
    and its baseline must be runs of the workflow."""
    sections = config["report"].get("sections") or []
    names = [section["name"] for section in sections]
    for section in sections:
        if names.count(section["name"]) > 1:
            raise ValueError(
                f"config: report.sections names {section['name']!r} twice; names must differ"
            )
        for key in ("run", "baseline"):
            if section[key] not in RUN_SETTINGS:
                raise ValueError(
                    f"config: report.sections {section['name']!r}: {key} {section[key]!r} is not a run; "
                    f"runs: {sorted(RUN_SETTINGS)}"
                )
    return sections


REPORT_SECTIONS = report_sections()
retrain_damaged_run_documents()
# Runs shown in full, with their own figures: the main run, the NumPy/PyTorch pair, and the runs of
# the configured sections.
FIGURE_RUNS = list(
    dict.fromkeys(
        [
            config["report"]["main_run"],
            *(BACKEND_PAIR or []),
            *[run for s in REPORT_SECTIONS for run in (s["run"], s["baseline"])],
        ]
    )
)
# The documents each figure is drawn from (mlp_cifar.figures, Figure.inputs), and whether the
# report shows it: group -> (documents, shown).
FIGURE_INPUTS = {
    "run": (["results/runs/{run}.json"], bool(FIGURE_RUNS)),
    "backend_pair": (run_json(*BACKEND_PAIR or []), bool(BACKEND_PAIR)),
    "seed_runs": (
        run_json(*[run for runs in SEED_GROUPS.values() for run in runs]),
        bool(SEED_GROUPS),
    ),
    "sweep_runs": (run_json(*SWEEP_RUNS), bool(SWEEP_RUNS)),
    "schedule_runs": (run_json(*SCHEDULE_RUNS), bool(SCHEDULE_RUNS)),
    "schedule_formulas": ([], bool(config.get("schedules"))),
    "relu_variance": (["results/derivations/relu_variance.json"], True),
}
# Settings passed to a figure's function (Figure.params).
FIGURE_PARAMS = {
    "seed_groups": {"groups": SEED_GROUPS},
    "schedule_illustration": {
        "lr0": config["defaults"]["lr"],
        "epochs": config["defaults"]["epochs"],
        "decays": (config.get("schedules") or {}).get("decays", []),
        "compare": (config.get("schedules") or {}).get("compare", []),
    },
}
for _figure in FIGURES.values():
    if _figure.inputs not in FIGURE_INPUTS or (_figure.params or None) not in (
        None,
        *FIGURE_PARAMS,
    ):
        raise ValueError(
            f"mlp_cifar/figures.py: figure {_figure.key!r} names inputs {_figure.inputs!r} or params "
            f"{_figure.params!r} that workflow/rules/common.smk does not define"
        )

# Every template must parse, and every figure a template looks up must be declared: fail now, before
# any job runs.
try:
    check_templates("templates")
except (UnknownFigureError, TemplateSyntaxProblem) as err:
    raise WorkflowError(str(err))


def report_figure_inputs(wildcards):
    """The report rule's figures, one named input each (Figure.input_name): every declared figure
    the report shows, per-run figures once for each run of FIGURE_RUNS."""
    return {
        figure.input_name(run): figure.file(run) for figure, run in report_figures()
    }


def report_figures():
    """(figure, run) for every figure the report shows: run None unless drawn per run."""
    for figure in FIGURES.values():
        if FIGURE_INPUTS[figure.inputs][1]:
            for run in FIGURE_RUNS if figure.per_run else [None]:
                yield figure, run


def report_figure_sources():
    """Per report figure input (as report_figure_inputs): its rule, drawing function and the run
    documents it was drawn from, for the line under its caption."""
    return {
        figure.input_name(run): {
            "rule": figure.rule,
            "draw": figure.draw,
            "docs": [
                d.format(run=run) if run else d for d in FIGURE_INPUTS[figure.inputs][0]
            ],
        }
        for figure, run in report_figures()
    }


def table_outputs():
    """The tables rule's outputs, one per declared table, marked for Snakemake's report."""
    return {
        key: report(
            table.path, caption=f"../report/{table.caption}", category=table.category
        )
        for key, table in TABLES.items()
    }


def csv_outputs():
    """The tables rule's CSVs: runs and epochs always, sweep and schedules when configured."""
    wanted = {
        "runs": True,
        "epochs": True,
        "sweep": bool(SWEEP_RUNS),
        "schedules": bool(SCHEDULE_RUNS),
    }
    return {f"csv_{key}": path for key, path in CSV_TABLES.items() if wanted[key]}


def train_threads(wildcards=None):
    """Threads of a training job: the run's own `threads`, else config train_threads; a number, or
    "all" (null in train_threads): all of --cores. Cluster runs have no --cores (Snakemake raises on
    asking); their profile sets the threads per rule (set-threads).
    """
    keys = wildcards.keys() if wildcards is not None else ()
    if "run" in keys:
        settings = run_settings(wildcards.run)
    elif "rate" in keys:  # a sweep rate's runs share `threads` (from defaults)
        settings = run_settings(SWEEP_JOBS[wildcards.rate][0])
    else:
        settings = {}
    wanted = settings.get("threads", config.get("train_threads"))
    if wanted not in (None, "all"):
        return wanted
    try:
        return workflow.cores
    except WorkflowError:
        return 1


def code(script, *modules):
    """The package files that scripts/`script` imports, directly or through other package modules
    (and `modules`, dotted names the script loads by name): editing one reruns the rule, editing
    any other does not (mlp_cifar.codedeps)."""
    return module_files(f"scripts/{script}", modules=modules)


def rule_benchmarks():
    """Benchmark files of every job before the report (their wall times go into it)."""
    return [
        "results/benchmarks/prepare_data.tsv",
        "results/benchmarks/parity.tsv",
        "results/benchmarks/derivations.tsv",
        "results/benchmarks/relu_variance.tsv",
        *expand(
            "results/benchmarks/train_{run}.tsv",
            run=[run for run in RUNS if run not in SWEEP_RUNS],
        ),
        *expand(
            f"results/benchmarks/train_{SWEEP_PREFIX}{{rate}}.tsv", rate=SWEEP_JOBS
        ),
    ]


def check_output_folders():
    """Every existing folder the rules write in (outputs, logs, benchmarks) must be writable; fail now,
    naming it, instead of a PermissionError traceback from Snakemake when a job is about to run. Read
    off the rules; call it after every rule file is included."""
    folders = set()
    for each in workflow.rules:
        for pattern in [
            *each.output,
            *each.log,
            *([each.benchmark] if each.benchmark else []),
        ]:
            folder = os.path.dirname(str(pattern).split("{", 1)[0])
            while folder and not os.path.isdir(folder):
                folder = os.path.dirname(folder)
            folders.add(folder or ".")
    unwritable = sorted(f for f in folders if not os.access(f, os.W_OK | os.X_OK))
    if unwritable:
        raise WorkflowError(
            f"cannot write in {', '.join(unwritable)} (not writable by this user); the workflow writes "
            "its outputs there: make it writable (chmod u+w) or run in a copy"
        )
