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
def test_a_training_job_under_taskset_records_one_thread(tmp_path):
    """taskset -c 0 snakemake --cores 2 with two threads per training job: the job uses, and records, one."""
    work = copy_workflow(tmp_path / "work")
    proc = subprocess.run(["taskset", "-c", "0", SNAKEMAKE, "--profile", "workflow/profiles/smoke", "--cores", "2",
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
