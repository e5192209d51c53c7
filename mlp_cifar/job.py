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

    An exception's traceback is written to the log only; its message is printed on the real stderr,
    so the user sees why the job failed without opening the log, and the job exits with status 1
    (130 when a SIGINT or SIGTERM stopped it: mlp_cifar.signals) without a second, console traceback.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    real_stderr = sys.stderr
    with (stop_on_signals(), open(log_path, "w") as log, contextlib.redirect_stdout(log),
          contextlib.redirect_stderr(log)):
        try:
            yield
        except SystemExit as err:
            if err.code in (None, 0):
                raise
            traceback.print_exc(file=log)
            print(f"error: exited with status {err.code}\n(full traceback in {log_path})", file=real_stderr)
            raise
        except BaseException as err:
            traceback.print_exc(file=log)
            print(f"error: {err}\n(full traceback in {log_path})", file=real_stderr)
            raise SystemExit(130 if isinstance(err, KeyboardInterrupt) else 1) from None


class DocumentError(ValueError):
    """A document the workflow wrote is damaged (cut short, edited, not what it should be)."""


# What every consumer of a run document reads (mlp_cifar.training writes these and more).
RUN_DOCUMENT_KEYS = ("config", "seed", "data", "batch_losses", "batches_per_epoch", "epochs", "best_epoch",
                     "best_val_accuracy", "test_accuracy", "diverged", "train_seconds", "total_seconds", "threads")


def _load_json(path: str | os.PathLike) -> tuple[object, str | None]:
    """(document, None), or (None, what is wrong with its text)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
    except UnicodeDecodeError as err:
        return None, f"not UTF-8 text: {err.reason}"


def read_json(path: str | os.PathLike) -> dict:
    """A JSON document; `DocumentError` naming ``path`` when it is not valid JSON."""
    doc, problem = _load_json(path)
    if problem:
        raise DocumentError(f"{path} is damaged ({problem}); delete it and run the workflow again to make it anew")
    return doc


def _run_document(path: str | os.PathLike) -> tuple[object, str | None]:
    """(document, None), or (None, why it is no usable run document)."""
    try:
        doc, problem = _load_json(path)
    except OSError as err:
        return None, err.strerror or str(err)
    if problem:
        return None, problem
    if not isinstance(doc, dict):
        return None, f"a JSON {type(doc).__name__}, not an object"
    missing = [key for key in RUN_DOCUMENT_KEYS if key not in doc]
    if missing:
        named = ", ".join(repr(k) for k in missing[:3])
        more = f" and {len(missing) - 3} more keys" if len(missing) > 3 else ""
        return None, f"not a run document: no {named}{more}"
    return doc, None


def run_document_problem(path: str | os.PathLike) -> str | None:
    """Why the run document at ``path`` cannot be used (damaged JSON, not an object, keys missing), or
    None when it can."""
    return _run_document(path)[1]


def read_run_documents(paths: Iterable[str | os.PathLike]) -> dict[str, dict]:
    """Run documents by run name, in the order given; `DocumentError` naming a damaged one."""
    docs = {}
    for path in paths:
        doc, problem = _run_document(path)
        if problem:
            raise DocumentError(f"{path} is damaged ({problem}); run the workflow again: it trains that run "
                                "anew (workflow/rules/common.smk)")
        docs[run_name(path)] = doc
    return docs


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
    threads than CPUs spin waiting for each other, many times slower: docs/performance.md)."""
    return max(1, min(declared, usable_cpus()))
