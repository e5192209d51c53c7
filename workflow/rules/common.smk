# Shared helpers for all rule files (run settings, archive location, code dependencies).
import os
from pathlib import Path

RUNS = list(config["runs"])
DATA_DIR = "data"
DOWNLOADED_ARCHIVE = f"{DATA_DIR}/cifar-10-python.tar.gz"
SYNTHETIC_ARCHIVE = f"{DATA_DIR}/synthetic/cifar-10-python.tar.gz"


def archive_path():
    """The archive the workflow reads: synthetic, local (config key cifar10_archive), or downloaded."""
    if config["data"].get("synthetic"):
        return SYNTHETIC_ARCHIVE
    return config.get("cifar10_archive") or DOWNLOADED_ARCHIVE


def archive_input(wildcards):
    # A missing local archive is not declared as input, so that the rule itself
    # runs and fails with a message naming the config key, not a bare
    # MissingInputException.
    path = archive_path()
    if path in (SYNTHETIC_ARCHIVE, DOWNLOADED_ARCHIVE) or Path(path).is_file():
        return path
    return []


def run_settings(run):
    """The full settings of one run: `defaults` updated with the run's own overrides."""
    return {**config["defaults"], **config["runs"][run]}


def train_threads():
    return config.get("train_threads") or workflow.cores


def code(*modules):
    """Package source files a rule depends on, so editing them reruns the rule."""
    return sorted(str(p) for m in modules for p in Path("mlp_cifar").glob(m))


def rule_benchmarks():
    """Benchmark files of every job before the report (their wall times go into it)."""
    return [
        "results/benchmarks/prepare_data.tsv",
        *expand("results/benchmarks/train_{run}.tsv", run=RUNS),
    ]
