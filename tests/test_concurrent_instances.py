"""Two Snakemake instances in one directory (issue 12, case 8): one that finishes leaves the other's
locks alone, so a third cannot start the same training job again (mlp_cifar.snakemake_locks)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from mlp_cifar.snakemake_locks import keep_other_instances_locks
from test_interrupted_use import LOG, TARGET, start, wait_for_training
from workflow_helpers import copy_workflow, snakemake

SMOKE = ("--profile", "profiles/smoke", "--configfile", "profiles/smoke/experiment.yaml", "epochs.yaml")


def lock_files(work: Path) -> list[str]:
    return sorted(p.name for p in (work / ".snakemake" / "locks").glob("*.lock"))


def test_a_finishing_instance_keeps_the_locks_of_one_still_running(smoke_copy):
    work = smoke_copy
    first = start(work, epochs=200)
    try:
        wait_for_training(work, first)
        held = lock_files(work)
        assert held, "the running instance should hold locks"

        # A second instance with nothing to do (the synthetic archive is built) comes and goes.
        done = snakemake(work, *SMOKE, "--", "data/synthetic/cifar-10-python.tar.gz")
        assert "Nothing to be done" in done.stdout + done.stderr
        assert lock_files(work) == held

        # A third asks for the run being trained: refused, not trained a second time.
        third = snakemake(work, *SMOKE, "--", TARGET, check=False)
        assert third.returncode != 0 and "LockException" in third.stdout + third.stderr
        assert (work / LOG).read_text().count("numpy lr=") >= 1
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert lock_files(work) == []  # its own locks go with it

    # --unlock still clears stale locks of every instance.
    (work / ".snakemake" / "locks").mkdir(parents=True, exist_ok=True)
    (work / ".snakemake" / "locks" / "0.output.lock").write_text(f"{work / TARGET}\n")
    snakemake(work, "--unlock")
    assert lock_files(work) == []


def test_the_lock_patch_applies_to_the_installed_snakemake(monkeypatch):
    from snakemake.persistence.file import FilePersistence

    for name in ("unlock", "cleanup_locks"):  # put back after the test
        monkeypatch.setattr(FilePersistence, name, getattr(FilePersistence, name))
    assert keep_other_instances_locks() is None
    assert FilePersistence.unlock.keeps_other_locks


def test_a_lock_patch_that_no_longer_applies_says_what_is_missing():
    class Persistence:  # a Snakemake whose internals moved: no _delete_locks, no self._lockdir
        def __init__(self):
            self._lockfile = {}

        def unlock(self):
            pass

        def cleanup_locks(self):
            pass

        def _write_locks(self, lock_type, keys):
            pass

    original = Persistence.unlock
    problem = keep_other_instances_locks(Persistence)
    assert "Persistence no longer has method _delete_locks, attribute _lockdir (set by __init__)" in problem
    assert "deletes the locks of other instances" in problem
    assert Persistence.unlock is original  # nothing changed


@pytest.mark.workflow
def test_the_workflow_warns_when_the_lock_patch_no_longer_applies(tmp_path):
    work = copy_workflow(tmp_path / "work")
    locks = work / "mlp_cifar" / "snakemake_locks.py"
    text = locks.read_text()
    assert 'METHODS = ("unlock",' in text
    locks.write_text(text.replace('METHODS = ("unlock",', 'METHODS = ("unlock", "_gone_in_a_new_release",'))
    out = snakemake(work, "--profile", "profiles/smoke", "-n")
    log = out.stdout + out.stderr
    assert "lock patch not applied: snakemake.persistence.file.FilePersistence no longer has method " \
           "_gone_in_a_new_release" in log, log
