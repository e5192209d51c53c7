"""Each rule's code dependencies are derived from its script's imports, and rebuilds are exact.

For every module of the package: appending a comment to it plans exactly the rules whose scripts
import it (directly or transitively) and what lies downstream of them, on a complete smoke build.
The expected rules are found independently of mlp_cifar.codedeps, with the standard library's
modulefinder; "downstream" is what Snakemake itself plans for --forcerun of those rules. A training
job's code is its own: it loads its runs' backends by name, so it is forced by its documents.
"""

from __future__ import annotations

import json
import modulefinder
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from mlp_cifar.codedeps import module_files
from mlp_cifar.figures import FIGURES
from mlp_cifar.plan import make_plan, run_documents
from mlp_cifar.training import backend_module
from workflow_helpers import REPO, clone_build, planned_jobs, snakemake

SMOKE = ("--profile", "profiles/smoke")
SMOKE_CONFIG = "profiles/smoke/experiment.yaml"
MODULES = sorted(str(p.relative_to(REPO)) for p in (REPO / "mlp_cifar").rglob("*.py"))
# Jobs that must never rerun for a change of how results are drawn, tabulated or rendered.
EXPENSIVE = {"train", "train_sweep_rate", "prepare_data", "parity", "derivations"}
PRESENTATION = ("mlp_cifar/plots/", "mlp_cifar/report/", "mlp_cifar/tables.py", "mlp_cifar/figures.py",
                "mlp_cifar/formatting.py")


# The official archive, checked against its MD5, is the same whatever our code: downloading it again
# after a code change would gain nothing (the rule declares no code inputs on purpose).
NO_CODE_INPUTS = {"download_archive"}


@lru_cache(maxsize=None)
def smoke_plan():
    """The plan of the smoke build's config (config.yaml updated with the smoke profile's, as Snakemake does)."""
    from snakemake.utils import update_config

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(config, yaml.safe_load((REPO / SMOKE_CONFIG).read_text()))
    return make_plan(config)


def rule_sources() -> dict[str, tuple[str, tuple[str, ...]]]:
    """What to force (a rule, or a job's output) -> (its script, modules it loads by name), read from
    the rule files and the figure registry. A training job loads its runs' backends by name
    (mlp_cifar.training.BACKEND_CLASSES): its code differs from job to job, so each job's documents
    stand for it."""
    sources = {}
    training = {job.rule: [] for job in smoke_plan().training_jobs()}
    for job in smoke_plan().training_jobs():
        training[job.rule].append(job.runs)
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for name, body in re.findall(r"^[ \t]*rule (\w+):\n((?:[ \t]+.*\n|\n)*)", smk.read_text(), flags=re.M):
            script = re.search(r'script:\s*\n\s*"\.\./\.\./scripts/(\w+\.py)"', body)
            if not script or name in NO_CODE_INPUTS:
                continue
            for runs in training.get(name, [None]):
                if runs is None:
                    sources[name] = (script.group(1), ())
                    continue
                backends = tuple(sorted({backend_module(smoke_plan().runs[run]["backend"]) for run in runs}))
                for document in run_documents(runs):
                    sources[document] = (script.group(1), backends)
    for figure in FIGURES.values():
        sources[figure.rule] = ("plot_figure.py", (figure.module,))
    return sources


@lru_cache(maxsize=None)
def imported_files(script: str, modules: tuple[str, ...]) -> frozenset[str]:
    """Package files that `script` (and `modules`) import, by the standard library's modulefinder."""
    finder = modulefinder.ModuleFinder(path=[str(REPO)])  # only the package resolves: fast
    finder.run_script(str(REPO / "scripts" / script))
    for module in modules:
        finder.import_hook(module)
    return frozenset(str(Path(m.__file__).resolve().relative_to(REPO)) for name, m in finder.modules.items()
                     if name.split(".")[0] == "mlp_cifar" and m.__file__)


def test_the_rules_code_inputs_are_their_scripts_imports():
    """codedeps agrees with modulefinder for every rule with a script."""
    for rule, (script, modules) in rule_sources().items():
        derived = set(module_files(REPO / "scripts" / script, modules=modules, root=REPO))
        assert derived == set(imported_files(script, modules)), rule


def test_no_script_imports_everything():
    """No hub: plotting, tables and rendering stay out of the training job, and training out of them."""
    sources = rule_sources()
    for run in smoke_plan().runs:  # every training job
        train = imported_files(*sources[run_documents([run])[0]])
        assert not any(f.startswith(PRESENTATION) for f in train), sorted(train)
        numpy_only = smoke_plan().runs[run]["backend"] == "numpy"
        assert numpy_only == ("mlp_cifar/training/torch_backend.py" not in train), run
    for rule in ("plot_sweep_accuracy", "tables", "report"):
        files = imported_files(*sources[rule])
        assert not any(f.startswith("mlp_cifar/training/") for f in files), rule
        assert "mlp_cifar/numpy_net/modules.py" not in files, rule


def importers_of(module: str) -> frozenset[str]:
    return frozenset(rule for rule, (script, modules) in rule_sources().items()
                     if module in imported_files(script, modules))


@pytest.fixture(scope="module")
def rerun_plans(smoke_build, tmp_path_factory):
    """module -> (what Snakemake plans after an edit of it, what it plans with its importers forced).

    Every module's edit and every importer set's forced plan, on one copy of the complete smoke build,
    in one Snakemake process (tests/rerun_plans.py): the same DAG checks as 72 dry runs, started once."""
    work = clone_build(smoke_build, tmp_path_factory.mktemp("codedeps") / "work")
    forced = sorted({importers_of(module) for module in MODULES}, key=sorted)
    requests = [{}] + [{"edit": module} for module in MODULES] + [{"forcerun": sorted(f)} for f in forced if f]
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "rerun_plans.py"), str(work), SMOKE_CONFIG],
                          input=json.dumps(requests), capture_output=True, text=True, timeout=600, cwd=work)
    assert proc.returncode == 0 and "PLANS " in proc.stdout, proc.stdout + proc.stderr
    plans = json.loads(proc.stdout.split("PLANS ", 1)[1])
    assert plans[0] == {}, f"the smoke build is not complete: {plans[0]}"
    edits = dict(zip(MODULES, plans[1:1 + len(MODULES)]))
    forced_plans = dict(zip([f for f in forced if f], plans[1 + len(MODULES):]))
    forced_plans[frozenset()] = {}
    return {module: (edits[module], forced_plans[importers_of(module)]) for module in MODULES}


@pytest.mark.parametrize("module", MODULES)
def test_editing_a_module_reruns_exactly_its_importers(module, rerun_plans):
    planned, expected = rerun_plans[module]
    assert planned == expected, f"{module}: imported by {sorted(importers_of(module))}"
    if module.startswith(PRESENTATION):
        assert not EXPENSIVE & set(planned), f"{module} reruns {sorted(EXPENSIVE & set(planned))}"


@pytest.mark.workflow
def test_the_in_process_plans_agree_with_snakemake_n(smoke_build, rerun_plans, tmp_path):
    """The one-process planner sees what a dry run of the command line sees, for a training module."""
    work = clone_build(smoke_build, tmp_path / "work")
    module = "mlp_cifar/schedules.py"
    (work / module).write_text((work / module).read_text() + "\n# an edit that changes nothing\n")
    assert planned_jobs(snakemake(work, *SMOKE, "-n")) == rerun_plans[module][0]


def test_the_package_has_no_import_cycle():
    from mlp_cifar.codedeps import _imported_modules, _module_file

    graph = {}
    for path in (REPO / "mlp_cifar").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        targets = {_module_file(REPO, m) for m in _imported_modules(path, name)} - {None}
        graph[path] = targets - {path}
    state: dict = {}

    def visit(node, trail):
        state[node] = "open"
        for target in graph.get(node, ()):
            assert state.get(target) != "open", "import cycle: " + " -> ".join(
                str(p.relative_to(REPO)) for p in trail[trail.index(target):] + [node, target])
            if target not in state:
                visit(target, trail + [node])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [])
