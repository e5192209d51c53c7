"""Run the real Snakemake workflow in a scratch copy of the repository."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED = ("Snakefile", "config.yaml", "profiles", "workflow", "scripts", "templates", "envs", "mlp_cifar")
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# Folders of a build whose files are never edited in place, only replaced (Snakemake removes a job's outputs
# before it runs, and the package writes through temporary files): a clone links them instead of copying.
LINKED = ("data",)
# Set by conftest for the running test: whether it carries the `workflow` marker.
current_test_is_marked = {"workflow": True}


def require_workflow_marker() -> None:
    if not current_test_is_marked["workflow"]:
        raise RuntimeError("this test starts Snakemake: mark it @pytest.mark.workflow (the fast tier leaves "
                           "those out)")


def copy_workflow(dest: Path) -> Path:
    require_workflow_marker()
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def clone_build(build: Path, dest: Path) -> Path:
    """A copy of a finished build that a test may edit and rebuild without touching the original.

    Times are kept, so the copy is as up to date as the original. The large prepared arrays under
    LINKED are hard links (no bytes copied); everything else, which tests edit in place, is copied."""
    require_workflow_marker()

    def copy(src: str, dst: str) -> None:
        if Path(src).relative_to(build).parts[0] in LINKED:
            os.link(src, dst)
            return
        shutil.copy2(src, dst)

    shutil.copytree(build, dest, symlinks=True, copy_function=copy, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time (to show that nothing changed it)."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if not p.is_dir() and "__pycache__" not in p.parts}


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 300,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Snakemake in ``workdir``; ``env``: variables set on top of this process's environment."""
    require_workflow_marker()
    proc = subprocess.run([SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def planned_jobs(proc: subprocess.CompletedProcess) -> dict[str, int]:
    """Job counts from a dry run's "Job stats" table; empty when there is nothing to do."""
    out = proc.stdout + proc.stderr
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:", 1)[1]
    jobs = {}
    for line in table.splitlines()[3:]:
        m = re.fullmatch(r"\s*(\w+)\s+(\d+)\s*", line)
        if not m:
            break
        if m.group(1) != "total":
            jobs[m.group(1)] = int(m.group(2))
    return jobs
