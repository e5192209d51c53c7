"""Constrained and careless use (issue 12): CPU limits decide the threads, and modules built without a
generator follow np.random.seed as the course template's do."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from mlp_cifar.job import available_threads, cgroup_cpu_limit
from mlp_cifar.numpy_net.modules import LinearModule
from workflow_helpers import SNAKEMAKE, copy_workflow

needs_taskset = pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) not installed")


@pytest.mark.parametrize("text, cpus", [("150000 100000\n", 1.5), ("200000 100000", 2.0), ("max 100000\n", None),
                                        ("", None), ("garbage", None)])
def test_cgroup_quota_is_read_from_cpu_max(tmp_path, text, cpus):
    path = tmp_path / "cpu.max"
    path.write_text(text)
    assert cgroup_cpu_limit(path) == cpus
    assert cgroup_cpu_limit(tmp_path / "missing") is None


def test_threads_never_exceed_the_declared_number():
    assert available_threads(1) == 1 and available_threads(0) == 1


@needs_taskset
def test_threads_follow_the_cpu_affinity():
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c",
                          "from mlp_cifar.job import available_threads; print(available_threads(8))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"


@needs_taskset
def test_a_training_job_under_taskset_records_one_thread(smoke_copy):
    """taskset -c 0 snakemake --cores 2 with two threads per training job: the job uses, and records, one."""
    work = smoke_copy
    (work / "results" / "runs" / "numpy_default.json").unlink()  # trained again, under taskset
    proc = subprocess.run(["taskset", "-c", "0", SNAKEMAKE, "--profile", "profiles/smoke", "--cores", "2",
                           "--config", "train_threads=2", "--", "results/runs/numpy_default.json"],
                          cwd=work, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((work / "results" / "runs" / "numpy_default.json").read_text())
    assert doc["config"]["threads"] == 1 and doc["threads"] == 1


def test_linear_module_without_a_generator_follows_np_random_seed():
    np.random.seed(42)
    first = LinearModule(20, 7).params["weight"]
    np.random.seed(42)
    again = LinearModule(20, 7).params["weight"]
    np.random.seed(43)
    other = LinearModule(20, 7).params["weight"]
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert first.shape == (7, 20) and np.std(first) == pytest.approx(np.sqrt(2 / 20), rel=0.5)


def test_course_style_gradient_check_is_repeatable():
    """np.random.seed, then a module and its input: the same numbers on every call."""

    def check():
        np.random.seed(42)
        module = LinearModule(6, 4)
        x = np.random.randn(5, 6)
        dout = np.random.randn(5, 4)
        module.forward(x)
        return module.backward(dout), module.grads["weight"].copy()

    (dx1, dw1), (dx2, dw2) = check(), check()
    assert np.array_equal(dx1, dx2) and np.array_equal(dw1, dw2)


# ----------------------------------------------------------------------------- the local archive's path

from workflow_helpers import REPO, planned_jobs, snakemake  # noqa: E402


@pytest.fixture()
def local_archive(synthetic_archive, tmp_path):
    """The synthetic archive under a folder whose name has spaces, as a user's local copy."""
    folder = tmp_path / "my data" / "cifar 10"
    folder.mkdir(parents=True)
    path = folder / "cifar-10-python.tar.gz"
    shutil.copy(synthetic_archive, path)
    return path


@pytest.mark.workflow
def test_the_same_archive_spelled_differently_rebuilds_nothing(local_archive, tmp_path):
    work = copy_workflow(tmp_path / "work")
    snakemake(work, "--cores", "1", "--config", f"cifar10_archive={local_archive}", "--", "data/cifar10.npz")
    link = tmp_path / "link.tar.gz"
    link.symlink_to(local_archive)
    for spelling in (f"{local_archive.parent}/./{local_archive.name}",
                     f"{local_archive.parent}/../{local_archive.parent.name}/{local_archive.name}", str(link)):
        proc = snakemake(work, "-n", "--cores", "1", "--config", f"cifar10_archive={spelling}", "--",
                         "data/cifar10.npz")
        assert planned_jobs(proc) == {}, spelling


@pytest.mark.workflow
def test_make_report_takes_an_archive_path_with_spaces(local_archive, tmp_path):
    work = copy_workflow(tmp_path / "work")
    shutil.copy2(REPO / "Makefile", work / "Makefile")
    venv = REPO / ".venv"
    # -o: never reinstall the test's own environment from here
    proc = subprocess.run(["make", "-o", f"{venv}/.installed", "report", f"VENV={venv}", f"ARCHIVE={local_archive}",
                           "SNAKEMAKE_ARGS=-n"], cwd=work, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Unparsable" not in out and "prepare_data" in out
    assert str(local_archive) in out  # the archive, spaces and all, is prepare_data's input


# ----------------------------------------------------------------------------- threads per training job
def _job_threads(work, *args, targets=("results/runs/strong.json", "results/runs/numpy_default.json",
                                      "results/runs/schedule_constant.json")) -> dict[str, int]:
    """Threads of each training job in a dry run (Snakemake prints `threads:` only above one), by run
    (rule train) or by sweep rate (rule train_sweep_rate)."""
    proc = subprocess.run([SNAKEMAKE, "-n", "--profile", "profiles/smoke", "--cores", "4", *args, "--", *targets],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    threads, run = {}, None
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("rule "):
            run = None
        elif line.startswith(("wildcards: run=", "wildcards: rate=")):
            run = line.split("=", 1)[1]
            threads[run] = 1
        elif line.startswith("threads:") and run:
            threads[run] = int(line.split(":")[1])
    return threads


@pytest.mark.workflow
def test_runs_get_train_threads_unless_they_ask_for_their_own(tmp_path):
    """train_threads is 1 (config.yaml's, which the smoke profile keeps); a run's own `threads` wins, and
    `repeats.threads` is that of the repeated runs; "all" is all of --cores (strong's and the repeats'
    in config.yaml)."""
    work = copy_workflow(tmp_path / "work")
    assert _job_threads(work) == {"strong": 4, "numpy_default": 4, "schedule_constant": 1}
    assert _job_threads(work, "--config", "runs={strong: {threads: 1}}", "repeats={threads: 2}") == {
        "strong": 1, "numpy_default": 2, "schedule_constant": 1}
    assert _job_threads(work, "--config", "train_threads=2", "runs={strong: {threads: all}}") == {
        "strong": 4, "numpy_default": 4, "schedule_constant": 2}
    assert _job_threads(work, "--config", "train_threads=all", "runs={strong: {threads: 3}}") == {
        "strong": 3, "numpy_default": 4, "schedule_constant": 4}


@pytest.mark.workflow
def test_a_sweep_rates_job_takes_the_threads_of_its_runs(tmp_path):
    """Sweep runs get `threads` from defaults, and their rate's job (rule train_sweep_rate) asks for them;
    without, train_threads."""
    work = copy_workflow(tmp_path / "work")
    sweep = ("results/runs/sweep_lr_1em01_plain.json",)
    assert _job_threads(work, targets=sweep) == {"1em01": 1}
    defaults = ("defaults={backend: numpy, hidden: [32], batch_norm: false, lr: 0.05, batch_size: 128, epochs: 3, "
                "momentum: 0.0, weight_decay: 0.0, seed: 42, dtype: float32, device: auto, threads: 3}")
    assert _job_threads(work, "--config", defaults, targets=sweep) == {"1em01": 3}


@needs_taskset
def test_make_report_passes_one_core_per_usable_cpu():
    """`make report` runs snakemake with --cores = the CPUs this shell may use (mlp_cifar.job.usable_cpus):
    one under taskset -c 0, so its one-thread training jobs never outnumber the CPUs; CORES=N overrides."""
    from mlp_cifar.job import usable_cpus

    def cores(*prefix, extra=()):
        out = subprocess.run([*prefix, "make", "-n", "report", *extra], cwd=REPO, capture_output=True, text=True,
                             timeout=60).stdout
        return [line for line in out.splitlines() if "snakemake --cores" in line][-1].split()[2]

    assert cores() == str(usable_cpus())
    assert cores("taskset", "-c", "0") == "1"
    assert cores(extra=["CORES=8"]) == "8"
