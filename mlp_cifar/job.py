"""What every workflow job needs, and nothing more: its log, its input documents, its threads.

Scripts under scripts/ import this and the one module that does their work, so that each rule's
code dependencies (mlp_cifar.codedeps) are exactly the code it runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Iterable, Iterator

from mlp_cifar.signals import stop_on_signals


@contextlib.contextmanager
def logged(log_path: str | os.PathLike) -> Iterator[None]:
    """Send stdout and stderr (progress bars included) to the rule's log file.

    An exception is written to the log and re-raised, and its message is also
    printed on the real stderr so the user sees why the job failed without
    opening the log. A SIGINT or SIGTERM stops the job the same way (mlp_cifar.signals).
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    real_stderr = sys.stderr
    with (stop_on_signals(), open(log_path, "w") as log, contextlib.redirect_stdout(log),
          contextlib.redirect_stderr(log)):
        try:
            yield
        except BaseException as err:
            traceback.print_exc(file=log)
            print(f"error: {err}\n(full traceback in {log_path})", file=real_stderr)
            raise


def read_json(path: str | os.PathLike) -> dict:
    with open(path) as f:
        return json.load(f)


def run_name(path: str | os.PathLike) -> str:
    """results/runs/NAME.json -> NAME."""
    return Path(path).stem


def read_documents(paths: Iterable[str | os.PathLike]) -> dict[str, dict]:
    """Documents by name (file stem), in the order given."""
    return {run_name(p): read_json(p) for p in paths}


def call(target: str, *args, **kwargs):
    """Call the function named "package.module:function" (e.g. a figure's drawing function)."""
    import importlib

    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)(*args, **kwargs)


def cgroup_cpu_limit(cpu_max: str | os.PathLike = "/sys/fs/cgroup/cpu.max") -> float | None:
    """The CPUs a cgroup v2 quota allows (a container's or a SLURM job's limit): ``quota / period``
    from ``cpu.max``; None without a quota ("max") or without the file."""
    try:
        quota, period = Path(cpu_max).read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None


def usable_cpus() -> int:
    """CPUs this process may really run on: its affinity mask (taskset, a SLURM allocation), at most
    the whole CPUs of its cgroup quota (a container limit); at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    if limit is not None:
        cpus = min(cpus, int(limit))
    return max(1, cpus)


def available_threads(declared: int) -> int:
    """Threads a job may really use: what Snakemake gave it, at most the CPUs it may run on (more BLAS
    threads than CPUs wait on each other: 37x slower measured under taskset -c 0)."""
    return max(1, min(declared, usable_cpus()))
