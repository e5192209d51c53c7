"""Two Snakemake instances in one directory (issue 12, case 8): one that finishes leaves the other's
locks alone, so a third cannot start the same training job again (mlp_cifar.snakemake_locks)."""

from __future__ import annotations

import signal
from pathlib import Path

from test_interrupted_use import LOG, TARGET, start, wait_for_training
from workflow_helpers import snakemake

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
