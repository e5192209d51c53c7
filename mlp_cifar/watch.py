"""Rebuild on change: rerun Snakemake whenever the config, the workflow, a script, a template or the
package changes, so that an open report stays current (reload the browser tab).

    python -m mlp_cifar.watch [SNAKEMAKE ARGUMENTS...]      e.g.  --cores 4   (the default)
    make watch                                               the same, inside .venv

It builds once at start, then waits for changes (watchfiles, debounced, so that an editor's save of
several files is one rebuild) and reruns Snakemake with the same arguments; Snakemake itself decides
what the change affects (a template edit reruns only the report). Changes made during a build are
picked up by the next one. A failing build is reported and the watcher keeps waiting. Ctrl-C stops it:
a build in progress is stopped the way Ctrl-C stops a plain ``snakemake`` (its jobs stop, nothing half
written stays, and Snakemake removes its lock), so the same command afterwards goes on where it stopped.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

import watchfiles

# What a rebuild depends on, relative to the workflow's root directory.
WATCHED = ("config.yaml", "Snakefile", "profiles", "workflow", "scripts", "templates", "mlp_cifar", "envs")
# Editor and interpreter droppings that are not edits of the workflow.
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~", ".tmp", ".part")
IGNORED_DIRS = {"__pycache__", ".snakemake", ".git"}


def is_relevant(path: str | Path) -> bool:
    """Whether a change of ``path`` can change what the workflow builds."""
    p = Path(path)
    if IGNORED_DIRS.intersection(p.parts):
        return False
    name = p.name
    return not (name.startswith(".#") or name.startswith("#") or name.endswith(IGNORED_SUFFIXES))


def watched_paths(root: Path) -> list[Path]:
    return [root / name for name in WATCHED if (root / name).exists()]


def snakemake_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "snakemake", *(args or ["--cores", "4"])]


class Interrupted(Exception):
    """Ctrl-C (SIGINT) stopped a build; Snakemake has finished its clean-up."""


def run_snakemake(command: Sequence[str], cwd: Path) -> int:
    """Run Snakemake to its end; returns its exit status.

    It runs in a process group of its own, so that Ctrl-C in the terminal reaches the watcher only,
    which passes exactly one SIGINT on: Snakemake then stops its jobs and removes its lock as when
    Ctrl-C reaches it directly (mlp_cifar.signals). ``subprocess.run`` would instead kill it a quarter
    of a second after the interrupt, in the middle of that clean-up, leaving its lock behind. Further
    Ctrl-Cs while it cleans up are ignored. Raises `Interrupted` after an interrupt.
    """
    proc = subprocess.Popen(list(command), cwd=cwd, process_group=0)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            print("\n[watch] stopping: Snakemake is stopping its jobs and removing its lock", flush=True)
            proc.send_signal(signal.SIGINT)
            status = proc.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        raise Interrupted(status) from None


def build(root: Path, args: Sequence[str]) -> int:
    """Run Snakemake once in ``root``; returns its exit status (`Interrupted` on Ctrl-C)."""
    start = time.monotonic()
    status = run_snakemake(snakemake_command(args), cwd=root)
    took = time.monotonic() - start
    if status == 0:
        print(f"[watch] build finished in {took:.1f} s; report: {root / 'results/report/report.html'}", flush=True)
    else:
        print(f"[watch] build FAILED (exit status {status}) after {took:.1f} s; waiting for the next change",
              flush=True)
    return status


def watch(root: Path, args: Sequence[str]) -> None:
    """Build, then rebuild after every batch of relevant changes, until interrupted."""
    root = root.resolve()
    paths = watched_paths(root)
    if not paths:
        raise FileNotFoundError(f"nothing to watch in {root}: expected {', '.join(WATCHED)}")
    build(root, args)
    print(f"[watch] watching {', '.join(p.name for p in paths)} in {root} (Ctrl-C to stop)", flush=True)
    changes = watchfiles.watch(*paths, watch_filter=lambda _change, path: is_relevant(path), debounce=500,
                               raise_interrupt=True)
    for batch in changes:
        changed = sorted({str(Path(path).relative_to(root)) for _change, path in batch})
        print(f"[watch] changed: {', '.join(changed)}", flush=True)
        build(root, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    try:
        watch(Path.cwd(), args)
    except (Interrupted, KeyboardInterrupt):
        print("[watch] stopped; run the same command to go on", file=sys.stderr, flush=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
