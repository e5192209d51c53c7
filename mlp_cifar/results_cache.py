"""The results cache: trained runs, parity, derivations and the ReLU-variance estimate, kept outside the
checkout and shared by every checkout on this machine (docs/results-cache.md).

It is Snakemake's between-workflow cache. The rules that train or compute for long have ``cache: True``,
and `profiles/default` turns on ``--cache``. An output is stored under Snakemake's provenance hash of
its job: the script, the params (a run's settings and its threads), the content of the inputs that no
rule makes (the package modules the job imports, the pinned requirements, a local archive), and, in
the same way, the hash of every job upstream. The checkout's path and file times are not part of it.

Where it is: ``$MLP_CIFAR_CACHE``, else ``$SNAKEMAKE_OUTPUT_CACHE``, else ``$XDG_CACHE_HOME/mlp-cifar/results``
(``~/.cache/mlp-cifar/results``). ``MLP_CIFAR_CACHE=off`` switches it off.

Every document a cached rule writes carries its own checksum (`seal`). At the start of a build, an
entry that is cut short, is not JSON, or whose checksum does not match is removed with a warning
(`remove_damaged_entries`), so its result is computed again and never read.

    python -m mlp_cifar.results_cache            # where it is, its size and its entries
    python -m mlp_cifar.results_cache --clear    # remove every entry
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Mapping, MutableMapping

from mlp_cifar.atomic import write_json

CHECKSUM_KEY = "checksum"
OFF = ("off", "none", "0", "false", "no")
# Which checkout a document was made in: one random id per checkout, beside Snakemake's own state.
CHECKOUT_ID_FILE = ".snakemake/mlp_cifar/checkout_id"


def location(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The cache folder this build uses, or None when the cache is switched off."""
    chosen = environ.get("MLP_CIFAR_CACHE") or environ.get("SNAKEMAKE_OUTPUT_CACHE")
    if chosen is not None and chosen.strip().lower() in OFF:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlp-cifar" / "results"


def point_snakemake_at(folder: Path | None, environ: MutableMapping[str, str] = os.environ) -> None:
    """Snakemake's between-workflow cache reads its folder from SNAKEMAKE_OUTPUT_CACHE when it builds the DAG,
    after the Snakefile is parsed: set it to ``folder``, or remove it when the cache is off."""
    if folder is None:
        environ.pop("SNAKEMAKE_OUTPUT_CACHE", None)
    else:
        environ["SNAKEMAKE_OUTPUT_CACHE"] = str(folder)


def checksum(document: Mapping) -> str:
    """MD5 of ``document``'s canonical JSON without its own checksum."""
    body = {k: v for k, v in document.items() if k != CHECKSUM_KEY}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.md5(canonical.encode("utf-8")).hexdigest()


def seal(document: Mapping) -> dict:
    """``document`` with its checksum (key "checksum")."""
    return {**document, CHECKSUM_KEY: checksum(document)}


def write_sealed_json(path: str | os.PathLike, document: Mapping) -> dict:
    """Write ``document`` with its checksum, atomically; returns what was written."""
    sealed = seal(document)
    write_json(path, sealed)
    return sealed


def entry_problem(path: str | os.PathLike) -> str | None:
    """Why the cache entry at ``path`` must not be used (cut short or not JSON, no checksum, a checksum
    that does not match), or None when it is whole."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        return f"unreadable: {err}"
    except ValueError as err:
        return f"not valid JSON ({err.msg} at line {err.lineno}): cut short or overwritten"
    if not isinstance(document, dict) or CHECKSUM_KEY not in document:
        return "no checksum: not a document this project wrote"
    if document[CHECKSUM_KEY] != checksum(document):
        return "its checksum does not match its content: changed after it was written"
    return None


def entries(folder: str | os.PathLike) -> list[Path]:
    """The cache's entries: the files directly in ``folder`` (Snakemake writes each one into a temporary
    subfolder first and then renames it into place, so a file found here is whole as written)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def remove_damaged_entries(folder: str | os.PathLike) -> dict[Path, str]:
    """Remove every damaged entry of ``folder``; returns {entry: why}."""
    damaged = {}
    for path in entries(folder):
        problem = entry_problem(path)
        if problem:
            damaged[path] = problem
            path.unlink(missing_ok=True)
    return damaged


def remove_broken_links(folder: str | os.PathLike) -> list[Path]:
    """Remove every symbolic link under ``folder`` (a checkout's results) whose target is gone: a result
    restored from a cache entry that was since removed (damaged, or the cache cleared). Snakemake cannot
    read such a link's time; without it, the result is simply missing, and computed again."""
    broken = []
    for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
        if path.is_symlink() and not path.exists():
            path.unlink()
            broken.append(path)
    return broken


def checkout_id(root: str | os.PathLike = ".") -> str:
    """This checkout's id (made on first use): which checkout trained a run, so that the report can tell
    a run trained here from one restored from the cache."""
    path = Path(root) / CHECKOUT_ID_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = uuid.uuid4().hex
        try:
            with open(path, "x", encoding="utf-8") as f:  # a concurrent first use keeps the first id
                f.write(new + "\n")
            return new
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()


def describe(path: Path) -> str:
    """One line about an entry: what it holds, and where and when it was made."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "damaged (removed at the next build)"
    if not isinstance(doc, dict):
        return "not a document"
    made = doc.get("made") or {}
    where = f", on {made['cpu_model']}" if made.get("cpu_model") else ""
    when = f", {made['at']}" if made.get("at") else ""
    return describe_document(doc) + where + when


def describe_document(doc: Mapping) -> str:
    """What a cached document holds, in a few words: a run's settings, seed and result, or which result."""
    if "test_accuracy" in doc and isinstance(doc.get("config"), dict):
        cfg = doc["config"]
        schedule = cfg["schedule"].get("name") if isinstance(cfg.get("schedule"), dict) else None
        if doc.get("diverged"):
            outcome = "diverged"
        elif isinstance(doc["test_accuracy"], (int, float)):
            outcome = f"test accuracy {doc['test_accuracy']:.4f}"
        else:
            outcome = "no test accuracy"
        seed = doc.get("seed", cfg.get("seed"))
        return (f"run: {cfg.get('backend')} {cfg.get('hidden')}{' batch norm' if cfg.get('batch_norm') else ''} "
                f"lr {cfg.get('lr')}{f', {schedule} schedule' if schedule else ''}"
                f"{f', seed {seed}' if seed is not None else ''}, "
                f"{cfg.get('epochs')} epochs, {cfg.get('threads')} thread(s): {outcome}")
    verdict = "" if "passed" not in doc else ", passed" if doc["passed"] else ", FAILED"
    if "questions" in doc:
        return f"derivations (SymPy and code checks{verdict})"
    if "cases" in doc and "threshold" in doc:
        return f"parity check (NumPy against PyTorch in float64{verdict})"
    if "monte_carlo" in doc:
        return "ReLU-variance estimate (Monte Carlo)"
    return "result: " + ", ".join(sorted(k for k in doc if k not in (CHECKSUM_KEY, "made")))[:60]


def human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} GB"


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlp_cifar.results_cache", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clear", action="store_true", help="remove every entry")
    args = parser.parse_args(argv)
    folder = location(environ)
    if folder is None:
        print("results cache: off (MLP_CIFAR_CACHE=off)")
        return 0
    found = entries(folder)
    sizes = {path: path.stat().st_size for path in found}
    if args.clear:
        for path in found:
            path.unlink(missing_ok=True)
        for leftover in folder.glob("tmp*"):  # a store that was killed half-way
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
        print(f"results cache: {folder}: removed {len(found)} entries ({human(sum(sizes.values()))})")
        return 0
    print(f"results cache: {folder}")
    print(f"{len(found)} entries, {human(sum(sizes.values()))}; clear it with: python -m mlp_cifar.results_cache --clear")
    for path in found:
        stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        key, _, rest = path.name.partition("_") if "_" in path.name else path.name.partition(".")
        name = f"{key[:12]}…{'_' if '_' in path.name else '.'}{rest}"  # a sweep job's two runs differ in the suffix
        print(f"  {name:<24}  {human(sizes[path]):>9}  {stamp}  {describe(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
