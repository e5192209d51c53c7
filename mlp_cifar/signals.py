"""Stopping a build: Ctrl-C or ``kill -INT`` to Snakemake stops its running jobs too, cleanly.

Snakemake 9.27's local executor answers SIGINT by waiting for the running jobs to finish (a
training job trained on for minutes, then its output was marked incomplete). A signal sent to the
Snakemake process alone (``kill -INT PID``, a CI runner, a SLURM ``scancel``) never reaches its
jobs; Ctrl-C in a terminal reaches both, at once.

- In Snakemake's process (workflow/rules/common.smk): `forward_interrupt_to_jobs` passes SIGINT
  on to its child processes as SIGTERM, then lets Snakemake stop as before.
- In each job (mlp_cifar.job.logged) and the trainer's command line: `stop_on_signals` turns the first SIGINT or SIGTERM into an
  exception, so that partial outputs are removed on the way out (mlp_cifar.atomic), and ignores
  the ones after it (Ctrl-C in a terminal delivers the forwarded signal as well).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Iterator


class Stopped(KeyboardInterrupt):
    """The job was asked to stop by a signal."""


def child_pids(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (psutil; empty when ``pid`` has ended)."""
    import psutil  # here, not at the top: every job imports this module for `stop_on_signals`

    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def forward_interrupt_to_jobs() -> None:
    """On SIGINT, send SIGTERM to every child process, then run the handler that was there before.

    Does nothing outside the main thread or where SIGINT is ignored (a background job of a
    non-interactive shell), and installs itself once."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None) or getattr(previous, "forwards_to_jobs", False):
        return
    import psutil  # noqa: F401 (loaded now, not inside the handler when the signal comes)

    def forward(signum, frame):
        for pid in child_pids(os.getpid()):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL: what Python itself does on SIGINT
            raise KeyboardInterrupt

    forward.forwards_to_jobs = True
    signal.signal(signal.SIGINT, forward)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside: the first SIGINT or SIGTERM raises `Stopped`, and both are ignored from then on (to
    the end of the process: it is on its way out). Without a signal, the handlers that were there
    before come back on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopped = False

    def stop(signum, frame):
        nonlocal stopped
        stopped = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stopped(f"stopped by {signal.Signals(signum).name}; no output was written")

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        if not stopped:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
