"""Each rule's code dependencies are derived from its script's imports, and rebuilds are exact.

For every module of the package: appending a comment to it plans exactly the rules whose scripts
import it (directly or transitively) and what lies downstream of them, on a complete smoke build.
The expected rules are found independently of mlp_cifar.codedeps, with the standard library's
modulefinder; "downstream" is what Snakemake itself plans for --forcerun of those rules.
"""

from __future__ import annotations

import modulefinder
import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

from mlp_cifar.codedeps import module_files
from mlp_cifar.figures import FIGURES
from workflow_helpers import REPO, planned_jobs, snakemake

SMOKE = ("--profile", "profiles/smoke")
MODULES = sorted(str(p.relative_to(REPO)) for p in (REPO / "mlp_cifar").rglob("*.py"))
# Jobs that must never rerun for a change of how results are drawn, tabulated or rendered.
EXPENSIVE = {"train", "train_sweep_rate", "prepare_data", "parity", "derivations"}
PRESENTATION = ("mlp_cifar/plots/", "mlp_cifar/report/", "mlp_cifar/tables.py", "mlp_cifar/figures.py",
                "mlp_cifar/formatting.py")


# The official archive, checked against its MD5, is the same whatever our code: downloading it again
# after a code change would gain nothing (the rule declares no code inputs on purpose).
NO_CODE_INPUTS = {"download_archive"}


def rule_sources() -> dict[str, tuple[str, tuple[str, ...]]]:
    """rule -> (its script, modules it loads by name), read from the rule files and the figure registry."""
    sources = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for name, body in re.findall(r"^[ \t]*rule (\w+):\n((?:[ \t]+.*\n|\n)*)", smk.read_text(), flags=re.M):
            script = re.search(r'script:\s*\n\s*"\.\./\.\./scripts/(\w+\.py)"', body)
            if script and name not in NO_CODE_INPUTS:
                sources[name] = (script.group(1), ())
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
    train = imported_files(*sources["train"])
    assert not any(f.startswith(PRESENTATION) for f in train), sorted(train)
    for rule in ("plot_sweep_accuracy", "tables", "report"):
        files = imported_files(*sources[rule])
        assert "mlp_cifar/training.py" not in files and "mlp_cifar/numpy_net/modules.py" not in files, rule


@pytest.fixture(scope="module")
def forced_plans(smoke_build):
    """What Snakemake plans when the given rules must rerun: they and everything downstream."""
    cache = {}

    def plan(rules: frozenset[str]) -> dict[str, int]:
        if rules not in cache:
            cache[rules] = planned_jobs(snakemake(smoke_build, *SMOKE, "-n", "--forcerun", *sorted(rules))) \
                if rules else {}
        return cache[rules]

    assert planned_jobs(snakemake(smoke_build, *SMOKE, "-n")) == {}, "the smoke build is not complete"
    return plan


@pytest.mark.parametrize("module", MODULES)
def test_editing_a_module_reruns_exactly_its_importers(module, smoke_build, forced_plans):
    importers = frozenset(rule for rule, (script, modules) in rule_sources().items()
                          if module in imported_files(script, modules))
    path = smoke_build / module
    text, stat = path.read_text(), path.stat()
    try:
        path.write_text(text + "\n# an edit that changes nothing\n")
        planned = planned_jobs(snakemake(smoke_build, *SMOKE, "-n"))
    finally:
        path.write_text(text)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert planned == forced_plans(importers), f"{module}: imported by {sorted(importers)}"
    if module.startswith(PRESENTATION):
        assert not EXPENSIVE & set(planned), f"{module} reruns {sorted(EXPENSIVE & set(planned))}"


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
