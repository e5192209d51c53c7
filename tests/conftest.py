"""Shared fixtures: one synthetic CIFAR-10 archive per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlp_cifar.data.archive import md5_of
from mlp_cifar.data.synthetic import write_synthetic_archive


@pytest.fixture(scope="session")
def synthetic_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full-size (6 x 10000 images) synthetic archive in the official layout, seed 0.

    Session-scoped: treat it as read-only (copy it before modifying it)."""
    return write_synthetic_archive(tmp_path_factory.mktemp("archive") / "cifar-10-python.tar.gz", seed=0)


@pytest.fixture(scope="session")
def synthetic_md5(synthetic_archive: Path) -> str:
    return md5_of(synthetic_archive)


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the workflow, built once per session with the smoke profile (shared by
    test_workflow.py and test_sweep.py). Tests that change it must restore it."""
    from workflow_helpers import copy_workflow, snakemake

    work = copy_workflow(tmp_path_factory.mktemp("smoke"))
    snakemake(work, "--profile", "profiles/smoke")
    return work
