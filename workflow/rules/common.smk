# The plan of this config (mlp_cifar.plan, with the runs, training jobs, sections and figures) that the
# other rule files read, and the input functions and start-up checks that need Snakemake itself.
import os

from snakemake.exceptions import WorkflowError
from snakemake.io import (
    PeriodicityDetector,
    apply_wildcards,
    get_wildcard_names,
    strip_wildcard_constraints,
)
from snakemake.logging import logger

# The package beside this Snakefile (Snakemake puts its directory first on sys.path).
from mlp_cifar.codedeps import module_files
from mlp_cifar.data.fingerprint import remembered_md5
from mlp_cifar.data.split_files import FILES as SPLIT_FILES
from mlp_cifar.figures import (
    FIGURES,
    TABLES,
    TemplateSyntaxProblem,
    UnknownFigureError,
    check_templates,
)
from mlp_cifar import results_cache
from mlp_cifar.job import available_threads, run_document_problem
from mlp_cifar.plan import (
    DATA_DIR,
    DOWNLOADED_ARCHIVE,
    RUN_DOCUMENT,
    SPLITS_DIR,
    SYNTHETIC_ARCHIVE,
    archive_path,
    local_archive,
    make_plan,
    run_documents,
)
from mlp_cifar.runs import SWEEP_PREFIX, job_resources
from mlp_cifar.signals import forward_interrupt_to_jobs
from mlp_cifar.snakemake_locks import keep_other_instances_locks

# Ctrl-C or `kill -INT` to Snakemake stops the running jobs instead of waiting for them.
forward_interrupt_to_jobs()
# A finishing Snakemake removes only its own locks, not those of another instance still running; a
# Snakemake whose internals no longer fit the patch gets a warning naming what changed.
_lock_patch_problem = keep_other_instances_locks()
if _lock_patch_problem:
    logger.warning(_lock_patch_problem)

# The pinned requirements, an input of every cached rule: their content is part of the results cache's key.
REQUIREMENTS = "envs/requirements.txt"

# The local archive's MD5 per file identity (mlp_cifar.data.fingerprint), beside Snakemake's own state.
ARCHIVE_MD5_MEMO = ".snakemake/mlp_cifar/archive_md5.json"

# Everything the rules build, read from the config (mlp_cifar.plan). A config that cannot work stops
# here, naming the setting; so does a run name Snakemake would take for an endless cycle of wildcards.
PLAN = make_plan(config, periodic=PeriodicityDetector().is_periodic)
RUNS = list(PLAN.runs)


def retrain_damaged_run_documents():
    """A run document that is cut short, edited or not a run document at all (mlp_cifar.job) is named,
    and its time set back to 1970, so that Snakemake finds it older than its inputs and trains its run
    again (and redoes what depends on it). Snakemake itself looks only at the file's time: every later
    build would fail reading it. Returns the damaged documents."""
    damaged = {}
    # A cluster job's own Snakemake: the main one has seen to it.
    if not workflow.is_main_process:
        return damaged
    for path in run_documents(RUNS):
        if os.path.exists(path):
            problem = run_document_problem(path)
            if problem:
                damaged[path] = problem
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


# The results cache (mlp_cifar/results_cache.py): Snakemake's between-workflow cache (--cache, set by
# profiles/default) at the folder MLP_CIFAR_CACHE names, by default in the user's cache folder. A damaged
# entry is removed before the DAG is built, so that its result is computed again instead of read.
RESULTS_CACHE = results_cache.location()
# The `cache:` of the rules that keep their results there: switched off, they are plain rules (Snakemake
# would otherwise fail their jobs for want of a cache folder).
CACHE_RESULTS = RESULTS_CACHE is not None
results_cache.point_snakemake_at(RESULTS_CACHE)
if RESULTS_CACHE is not None and workflow.is_main_process:
    try:
        RESULTS_CACHE.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WorkflowError(
            f"the results cache folder {RESULTS_CACHE} cannot be made ({err.strerror}); set "
            "MLP_CIFAR_CACHE to a writable folder, or MLP_CIFAR_CACHE=off"
        )
    for entry, problem in results_cache.remove_damaged_entries(RESULTS_CACHE).items():
        logger.warning(
            f"results cache entry {entry} is damaged ({problem}): removed, its result is computed again"
        )
# A result restored from an entry since removed (damaged, or the cache cleared) is a broken link: it is
# removed, so that the result is missing and computed again (Snakemake cannot read a broken link's time).
if workflow.is_main_process:
    for link in results_cache.remove_broken_links("results"):
        logger.warning(f"{link}: its results cache entry is gone; it is computed again")

retrain_damaged_run_documents()

# Every template must parse, and every figure a template looks up must be declared: fail now, before
# any job runs.
try:
    check_templates("templates")
except (UnknownFigureError, TemplateSyntaxProblem) as err:
    raise WorkflowError(str(err))


def archive_input(wildcards):
    # A missing local archive is not declared as input, so that the rule itself
    # runs and fails with a message naming the config key, not a bare
    # MissingInputException. An existing one is `ancient`: its content decides
    # (archive_content), not its modification time.
    local = local_archive(config)
    if local:
        return ancient(local)
    path = archive_path(config)
    return path if path in (SYNTHETIC_ARCHIVE, DOWNLOADED_ARCHIVE) else []


def archive_content(wildcards):
    """A local archive's MD5 (None for the synthetic and downloaded archives, which rules make): a
    param of prepare_data, so that different bytes at the same path rebuild everything and the same
    bytes copied again (touched, re-downloaded) rebuild nothing."""
    local = local_archive(config)
    return remembered_md5(local, ARCHIVE_MD5_MEMO) if local else None


def job_settings(wildcards):
    """The settings of the runs a training job trains (wildcard run, or rate: mlp_cifar.plan)."""
    return [PLAN.runs[run] for run in PLAN.job_runs(dict(wildcards.items()))]


def training_resource(key):
    """A training job's cluster resource `key` (mem_mb, runtime in minutes, gpu), from its runs'
    settings, trained one after another (mlp_cifar.runs.job_resources)."""
    return lambda wildcards: job_resources(job_settings(wildcards))[key]


def job_threads(wildcards, threads):
    """The threads a job really computes on (mlp_cifar.job.available_threads), as a param: PyTorch's
    float32 results depend on them, so they are part of the results cache's key."""
    return available_threads(threads)


def train_threads(wildcards=None):
    """Threads of a training job: its runs' own `threads` (a sweep rate's runs share it, from
    defaults), else config train_threads; a number, or "all" (null in train_threads): all of --cores.
    Cluster runs have no --cores (Snakemake raises on asking); their profile sets the threads per rule
    (set-threads).
    """
    settings = job_settings(wildcards)[0] if wildcards is not None else {}
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


def training_code(wildcards):
    """A training job's code: what scripts/train.py imports and the backend module of each of its runs,
    which the trainer loads by name: an edit of the PyTorch backend retrains the PyTorch runs only.
    """
    return code(
        "train.py", *PLAN.backend_modules(PLAN.job_runs(dict(wildcards.items())))
    )


def report_figure_inputs(wildcards):
    """The report rule's figures, one named input each (mlp_cifar.plan)."""
    return PLAN.report_figure_inputs()


def table_outputs():
    """The tables rule's outputs, one per declared table, marked for Snakemake's report."""
    return {
        key: report(
            table.path, caption=f"../report/{table.caption}", category=table.category
        )
        for key, table in TABLES.items()
    }


def rules_reading(first):
    """The rule named `first` and every rule that reads what it writes, directly or through another."""
    found, todo = {first}, [workflow.get_rule(first)]
    while todo:
        producer = todo.pop()
        for each in workflow.rules:
            reads = [f for f in each.input if not callable(f)]
            if each.name not in found and any(producer.is_producer(f) for f in reads):
                found.add(each.name)
                todo.append(each)
    return found


def step_benchmarks(wildcards):
    """The benchmark file of every job the report can wait for, read off the rules: each rule's
    `benchmark:`, for a rule with wildcards once per job the plan says it has (mlp_cifar.plan,
    Plan.jobs); not those of the report and of the rules that read it. The report's table of step
    times shows each by its file's name (mlp_cifar.provenance.rule_seconds), so names must differ.
    """
    jobs, after, files = PLAN.jobs(), rules_reading("report"), []
    for each in workflow.rules:
        if not each.benchmark or each.name in after:
            continue
        pattern = str(each.benchmark)
        if not get_wildcard_names(pattern):
            files.append(pattern)
        elif each.name in jobs:
            files += [apply_wildcards(pattern, job) for job in jobs[each.name]]
        else:
            raise WorkflowError(
                f"the benchmark of rule {each.name}, {strip_wildcard_constraints(pattern)}, has "
                "wildcards, and mlp_cifar/plan.py (Plan.jobs) does not say which jobs of the rule "
                "there are; add them there, so that their step times reach the report"
            )
    names = [os.path.splitext(os.path.basename(f))[0] for f in files]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise WorkflowError(
            f"benchmark files share the names {clashes}; the report's step times tell jobs apart "
            "by the name of their benchmark file: give each rule's its own"
        )
    return files


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
