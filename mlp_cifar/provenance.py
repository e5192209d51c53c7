"""Facts about the software and machine a result was produced on."""

from __future__ import annotations

import os
import platform
from importlib import metadata

TRACKED_PACKAGES = ("numpy", "torch", "tqdm", "snakemake", "matplotlib", "jinja2", "weasyprint", "ziamath", "sympy")


def package_versions(names=TRACKED_PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine() -> dict[str, object]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
    }


def cpu_model(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str:
    """The CPU's model name ("AMD EPYC 7B13"): float32 results can differ between models. From Linux's
    /proc/cpuinfo, else what the platform module says (often only the architecture)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model") and value.strip():
                    return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def made_here(root: str | os.PathLike = ".") -> dict[str, object]:
    """Where and when a cached result was made: this checkout's id (mlp_cifar.results_cache), the time
    (UTC) and the CPU model; the report tells from it a result made here from one restored."""
    import datetime

    from mlp_cifar.results_cache import checkout_id

    return {"checkout": checkout_id(root), "at": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "cpu_model": cpu_model()}


def git_state(repo: str | os.PathLike = ".") -> dict[str, object]:
    """Commit hash and whether the work tree has uncommitted changes (None outside git)."""
    import subprocess

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                                  check=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def rule_seconds(benchmark_files) -> dict[str, float]:
    """Wall time of each job from Snakemake's ``benchmark:`` files (column ``s``), keyed by file stem."""
    import csv
    from pathlib import Path

    seconds = {}
    for path in benchmark_files:
        with open(path) as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        seconds[Path(path).stem] = float(rows[0]["s"]) if rows else float("nan")
    return seconds
