"""Shared fixtures: one synthetic CIFAR-10 archive and one smoke build per test session, both read-only.

Markers say what a test needs: `workflow` starts Snakemake (or the watcher), `slow` trains on the real
archive. The fast tier is `pytest -m "not workflow and not slow"` (make test-fast)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

# Under pytest-xdist every worker shares the CPUs with the others: one BLAS/OpenMP thread each (read when
# numpy and torch load, hence before they are imported), instead of each worker spinning as many threads as
# there are CPUs. Training jobs that set their own thread count still do.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

# The tests' Snakemake builds train what they test, in their own folders: the results cache (on by default,
# in the user's cache folder) is off unless a test gives a cache folder of its own.
os.environ["MLP_CIFAR_CACHE"] = "off"

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from filelock import FileLock  # noqa: E402

import workflow_helpers
from mlp_cifar.data.archive import md5_of
from mlp_cifar.data.synthetic import write_synthetic_archive


def pytest_collection_modifyitems(items):
    """A test that uses the smoke build needs Snakemake, whether or not it calls it itself."""
    for item in items:
        if {"smoke_build", "smoke_copy"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.workflow)


@pytest.fixture(autouse=True)
def _workflow_marker_guard(request: pytest.FixtureRequest):
    """Starting Snakemake from a test without the `workflow` marker is an error (the tiers stay true)."""
    workflow_helpers.current_test_is_marked["workflow"] = request.node.get_closest_marker("workflow") is not None
    yield
    workflow_helpers.current_test_is_marked["workflow"] = True


@pytest.fixture(scope="session", autouse=True)
def _one_zca_fit_per_training_split(tmp_path_factory: pytest.TempPathFactory):
    """Fit ZCA once per distinct training split and epsilon in a session, across pytest-xdist's workers.

    The fit is an eigendecomposition of a 3072 x 3072 covariance, by far the costliest step of the trainer
    tests, and many tests (both paths of a run, both backends) fit the same split again. The fit is a
    pure function of its arguments, so a repeated call gets copies of the first result, kept in memory
    and in the session's temp folder (which the workers share); test_whiten and test_pca_input still
    check the fit itself on every distinct input."""
    from mlp_cifar.data import whiten

    fit, results = whiten.fit_zca_with_directions, {}
    folder = _session_shared_folder(tmp_path_factory) / "zca-fits"
    folder.mkdir(exist_ok=True)

    def remembered(x: np.ndarray, epsilon: float):
        key = hashlib.sha1(repr((x.dtype.str, x.shape, float(epsilon))).encode()
                           + hashlib.sha1(np.ascontiguousarray(x)).digest()).hexdigest()
        if key not in results:
            stored = folder / f"{key}.npz"
            with FileLock(f"{stored}.lock"):
                if not stored.exists():
                    with open(f"{stored}.part", "wb") as f:
                        np.savez(f, *fit(x, epsilon))
                    os.replace(f"{stored}.part", stored)
            with np.load(stored) as saved:
                results[key] = tuple(saved[f"arr_{i}"] for i in range(4))
        return tuple(a.copy() for a in results[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(whiten, "fit_zca_with_directions", remembered)
        yield


def _session_shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temp folder, or under pytest-xdist the folder that all workers' temp folders share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def synthetic_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full-size (6 x 10000 images) synthetic archive in the official layout, seed 0.

    Session-scoped: treat it as read-only (copy it before modifying it)."""
    return write_synthetic_archive(tmp_path_factory.mktemp("archive") / "cifar-10-python.tar.gz", seed=0)


@pytest.fixture(scope="session")
def small_synthetic_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official layout with 1000 images per batch (the smoke profile's size), for tests that train
    from an archive; the loader's checks of the full-size layout use `synthetic_archive`. Read-only."""
    return write_synthetic_archive(tmp_path_factory.mktemp("small-archive") / "cifar-10-python.tar.gz", seed=0,
                                   images_per_batch=1000)


@pytest.fixture(scope="session")
def synthetic_md5(synthetic_archive: Path) -> str:
    return md5_of(synthetic_archive)


# What a dry run or `--report` on the shared build may write: Snakemake's logs and its cache of file
# times, none of which decides what is built.
SNAKEMAKE_OWN_RECORDS = (".snakemake/log/", ".snakemake/iocache/")


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the workflow, built once per session with the smoke profile.

    Read-only: a test that edits or rebuilds takes `smoke_copy` instead. At the end of the session the
    build is checked file by file, so a test that changed it fails the run instead of another test."""
    from workflow_helpers import tree_state

    if os.environ.get("PYTEST_XDIST_WORKER"):
        # One build for all workers: the first to get here builds it in their common temp folder, the
        # others wait for it (and build it themselves only if that build failed).
        shared = _session_shared_folder(tmp_path_factory) / "smoke-shared"
        with FileLock(f"{shared}.lock"):
            work = shared / "work"
            if not (shared / "built").exists():
                shutil.rmtree(shared, ignore_errors=True)
                _build_smoke(work)
                (shared / "built").touch()
    else:
        work = _build_smoke(tmp_path_factory.mktemp("smoke") / "work")
    before = tree_state(work)
    yield work
    after = tree_state(work)
    changed = sorted(name for name in before.keys() | after.keys()
                     if before.get(name) != after.get(name) and not name.startswith(SNAKEMAKE_OWN_RECORDS))
    assert not changed, f"a test changed the shared smoke build: {changed[:10]}"


def _build_smoke(work: Path) -> Path:
    from workflow_helpers import copy_workflow, snakemake

    copy_workflow(work)
    snakemake(work, "--profile", "profiles/smoke")
    return work


@pytest.fixture
def smoke_copy(smoke_build: Path, tmp_path: Path) -> Path:
    """This test's own copy of the finished smoke build, up to date, free to edit and rebuild."""
    return workflow_helpers.clone_build(smoke_build, tmp_path / "work")
