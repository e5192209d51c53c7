"""Interrupted builds (issue 12, case 1): the default profile is loaded, SIGINT to Snakemake stops its
training job at once and leaves nothing behind, and a build killed outright reruns without flags."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mlp_cifar.signals import child_pids
from workflow_helpers import SNAKEMAKE, copy_workflow, snakemake

TARGET = "results/runs/numpy_default.json"
LOG = "logs/train/numpy_default.log"


def start(work: Path, epochs: int) -> subprocess.Popen:
    """`snakemake TARGET` on the smoke profile with `epochs` per run, as a user would start it (SIGINT
    not ignored, whatever the test runner does with it)."""
    (work / "epochs.yaml").write_text(f"defaults:\n  epochs: {epochs}\n")
    (work / LOG).unlink(missing_ok=True)  # a finished build's log would look like progress
    return subprocess.Popen(
        [SNAKEMAKE, TARGET, "--profile", "profiles/smoke", "--configfile", "profiles/smoke/experiment.yaml",
         "epochs.yaml"],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_training(work: Path, proc: subprocess.Popen, timeout: float = 120) -> list[int]:
    """Wait until the training job has finished an epoch; return Snakemake's child processes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        log = work / LOG
        if log.exists() and "val_acc=" in log.read_text(errors="replace"):
            return child_pids(proc.pid)
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"no training progress in {LOG} after {timeout} s")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_child_pids_are_the_direct_children_of_a_process():
    """The processes `forward_interrupt_to_jobs` signals: this process's own children, and none of an
    ended process."""
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in child_pids(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert child.pid not in child_pids(os.getpid())
    assert child_pids(child.pid) == []


@pytest.mark.workflow
def test_snakemake_loads_the_default_profile(tmp_path):
    work = copy_workflow(tmp_path / "work")
    proc = snakemake(work, "--profile", "profiles/smoke", "-n")
    assert "workflow specific profile profiles/default" in proc.stderr + proc.stdout


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the job's process in /proc (Linux)")
def test_sigint_to_snakemake_stops_its_training_job_and_the_same_command_then_completes(smoke_copy):
    work = smoke_copy  # data prepared; the epochs set here make numpy_default's job run again
    proc = start(work, epochs=60)
    jobs = wait_for_training(work, proc)
    assert jobs, "the training job should be a child process of snakemake"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    stopped_after = time.monotonic() - sent
    assert proc.returncode != 0, out
    assert stopped_after < 10, f"snakemake took {stopped_after:.0f} s to stop:\n{out}"
    assert not any(alive(pid) for pid in jobs), "the training job outlived snakemake"
    assert "stopped by SIGTERM" in out
    assert not (work / TARGET).exists()  # Snakemake removed the old output before the job started
    assert not list((work / "results" / "runs").glob(".*.part"))

    rerun = start(work, epochs=60)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    assert (work / TARGET).exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the job's process in /proc (Linux)")
def test_a_build_killed_outright_reruns_without_extra_flags(smoke_copy):
    """SIGKILL to Snakemake: its job finishes alone and writes its output, which Snakemake had marked
    incomplete. The default profile's rerun-incomplete retrains it instead of stopping with
    IncompleteFilesException. (Its lock stays too: Snakemake says to run --unlock, as a user would.)"""
    work = smoke_copy
    proc = start(work, epochs=4)
    jobs = wait_for_training(work, proc)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 300
    while any(alive(pid) for pid in jobs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (work / TARGET).exists(), "the orphaned job should have finished"
    assert list((work / ".snakemake" / "incomplete").rglob("*")), "snakemake should have marked it incomplete"

    locked = start(work, epochs=4)
    out, _ = locked.communicate(timeout=300)
    assert locked.returncode != 0 and "--unlock" in out, out
    snakemake(work, "--unlock")

    rerun = start(work, epochs=4)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    assert "IncompleteFilesException" not in out
    assert "Forced execution" in out or "incomplete" in out.lower()
