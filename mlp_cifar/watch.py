"""Rebuild on change: rerun Snakemake whenever the config, the workflow, a script, a template or the
package changes, so that an open report stays current (reload the browser tab).

    python -m mlp_cifar.watch [SNAKEMAKE ARGUMENTS...]      e.g.  --cores 4   (the default)
    make watch                                               the same, inside .venv

It builds once at start, then waits for changes (watchfiles, debounced, so that an editor's save of
several files is one rebuild) and reruns Snakemake with the same arguments; Snakemake itself decides
what the change affects (a template edit reruns only the report). Changes made during a build are
picked up by the next one. A failing build is reported and the watcher keeps waiting. Ctrl-C stops it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

import watchfiles

# What a rebuild depends on, relative to the workflow's root directory.
WATCHED = ("config.yaml", "Snakefile", "profiles", "workflow", "scripts", "report", "mlp_cifar", "envs")
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


def build(root: Path, args: Sequence[str]) -> int:
    """Run Snakemake once in ``root``; returns its exit status."""
    start = time.monotonic()
    status = subprocess.run(snakemake_command(args), cwd=root).returncode
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
                               raise_interrupt=False)
    for batch in changes:
        changed = sorted({str(Path(path).relative_to(root)) for _change, path in batch})
        print(f"[watch] changed: {', '.join(changed)}", flush=True)
        build(root, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    watch(Path.cwd(), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
