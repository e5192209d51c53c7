"""One function per workflow rule. The scripts under scripts/ only unpack the
``snakemake`` object and call these, so the logic stays importable and tested."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Iterator

from mlp_cifar.atomic import write_json
from mlp_cifar.data.archive import ArchiveError, archive_info, download_archive
from mlp_cifar.data.cache import build_cache, load_cache
from mlp_cifar.data.dataset import make_splits
from mlp_cifar.training import RunConfig, train


@contextlib.contextmanager
def logged(log_path: str | os.PathLike) -> Iterator[None]:
    """Send stdout and stderr (progress bars included) to the rule's log file.

    An exception is written to the log and re-raised, and its message is also
    printed on the real stderr so the user sees why the job failed without
    opening the log.
    """
    import traceback

    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    real_stderr = sys.stderr
    with open(log_path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        except BaseException as err:
            traceback.print_exc(file=log)
            print(f"error: {err}\n(full traceback in {log_path})", file=real_stderr)
            raise


def obtain_official_archive(out: str) -> None:
    download_archive(out)


def prepare_data(archive: str, cache_out: str, info_out: str) -> None:
    """Verify the archive, cache its arrays, and record its MD5 and whether it is official."""
    if not Path(archive).is_file():
        raise ArchiveError(f"CIFAR-10 archive {archive} does not exist; set the config key cifar10_archive "
                           f"to a local copy of cifar-10-python.tar.gz, or to null to download it")
    build_cache(archive, cache_out)
    info = archive_info(archive)
    write_json(info_out, {"path": info.path, "md5": info.md5, "official": info.official})
    print(f"archive {info.path}: MD5 {info.md5} ({'official' if info.official else 'NOT the official archive'})")


def available_threads(declared: int) -> int:
    """Threads a job may really use: what Snakemake gave it, at most the machine's cores."""
    return max(1, min(declared, os.cpu_count() or 1))


def train_run(cache: str, settings: dict, data: dict, out: str, threads: int) -> dict:
    """Train one configured run on the cached arrays and write its document."""
    cfg = RunConfig(**settings, threads=available_threads(threads))
    arrays = load_cache(cache)
    splits = make_splits(arrays, n_val=data["n_val"], split_seed=data["split_seed"], dtype=cfg.dtype)
    doc = train(cfg, splits)
    doc["data"]["split_seed"] = data["split_seed"]
    write_json(out, doc)
    return doc


def parity_check(defaults: dict, parity: dict, out: str, threads: int) -> dict:
    """Float64 NumPy/PyTorch parity of the default model (one epoch, without and with batch norm)."""
    from mlp_cifar.parity import parity_report

    doc = parity_report(defaults, n_train=parity["n_train"], data_seed=parity.get("data_seed", 0),
                        threads=available_threads(threads))
    write_json(out, doc)
    for case in doc["cases"]:
        print(f"batch_norm={case['batch_norm']}: {case['n_batches']} batches, max relative difference "
              f"of batch losses {case['max_rel_loss_diff']:.2e}, of parameters {case['max_rel_param_diff']:.2e}"
              f" -> {'pass' if case['passed'] else 'FAIL'} (threshold {doc['threshold']:g})")
    return doc


def read_json(path: str | os.PathLike) -> dict:
    with open(path) as f:
        return json.load(f)


def run_name(path: str | os.PathLike) -> str:
    """results/runs/NAME.json -> NAME."""
    return Path(path).stem


def render_workflow_report(runs, metrics, figures, archive_info, benchmarks, config, main_run,
                           out_html, out_pdf, threads, parity=None, derivations=None, relu_variance=None,
                           relu_variance_figure=None) -> None:
    """Gather documents, figures and provenance, and render the HTML and PDF report."""
    from mlp_cifar.provenance import git_state, machine, package_versions, rule_seconds
    from mlp_cifar.report.render import build_context, render_report

    docs = {run_name(p): read_json(p) for p in runs}
    provenance = {
        "git": git_state(),
        "versions": package_versions(),
        "config": config,
        "archive": read_json(archive_info),
        "rule_seconds": rule_seconds(benchmarks),
        "cpu": machine(),
        "threads": {name: doc["threads"] for name, doc in docs.items()},
    }
    # Figures are keyed by file stem (RUN_KIND, or e.g. numpy_vs_torch_val_accuracy); the main run's
    # also by KIND alone, as the main results section refers to them.
    figure_paths = {Path(p).stem: str(p) for p in figures}
    figure_paths.update({Path(p).stem.removeprefix(f"{main_run}_"): str(p) for p in figures
                         if Path(p).stem.startswith(f"{main_run}_")})
    context = build_context(docs, read_json(metrics), figure_paths, config, provenance, main_run=main_run,
                            parity=read_json(parity) if parity else None,
                            derivations={"results": read_json(derivations),
                                         "relu_variance": read_json(relu_variance) if relu_variance else None,
                                         "figure": relu_variance_figure} if derivations else None)
    render_report(context, Path("report/templates"), out_html, out_pdf)
