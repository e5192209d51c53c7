"""Comparing two builds (issue 14, item 2): `python -m mlp_cifar.compare OLD NEW`."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

from mlp_cifar.compare import MARK, main, markdown
from workflow_helpers import snakemake

SMOKE = ("--profile", "profiles/smoke")


def group(backend, runs, tests):
    mean = sum(tests) / len(tests)
    std = (sum((t - mean) ** 2 for t in tests) / (len(tests) - 1)) ** 0.5
    return {"runs": runs, "backend": backend,
            "test_accuracy": {"per_seed": tests, "mean": mean, "std": std, "n": len(tests)},
            "best_val_accuracy": {"per_seed": tests, "mean": mean, "std": std, "n": len(tests)}}


def run(backend, test, seconds=5.0):
    return {"backend": backend, "test_accuracy": test, "best_val_accuracy": test, "train_seconds": seconds,
            "diverged": False}


METRICS = {
    "runs": {"numpy_default": run("numpy", 0.50), "numpy_default_seed43": run("numpy", 0.51),
             "wide": run("numpy", 0.55, 20.0)},
    "groups": {"numpy": group("numpy", ["numpy_default", "numpy_default_seed43"], [0.50, 0.51])},
}


def test_a_change_beyond_twice_the_seed_std_is_marked():
    new = copy.deepcopy(METRICS)
    new["runs"]["wide"]["test_accuracy"] = 0.60  # +0.05 against 2 x std = 0.014
    new["runs"]["numpy_default"]["test_accuracy"] = 0.505  # within
    new["runs"]["added_run"] = run("numpy", 0.4)
    del new["runs"]["numpy_default_seed43"]
    table = markdown(METRICS, new)
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    assert rows["wide test accuracy"].rstrip(" |").endswith(MARK)
    assert "+0.0500" in rows["wide test accuracy"]
    assert MARK not in rows["numpy_default test accuracy"]
    assert "Added runs: `added_run`." in table and "Removed runs: `numpy_default_seed43`." in table
    assert "| wide training | 20.0 s | 20.0 s |" in table


def test_two_smoke_builds_differing_in_one_learning_rate(smoke_build, smoke_copy):
    work = smoke_copy
    experiment = work / "profiles" / "smoke" / "experiment.yaml"
    text = experiment.read_text()
    assert "lrs: [1.0e-3, 1.0e-1, 100.0]" in text
    experiment.write_text(text.replace("lrs: [1.0e-3, 1.0e-1, 100.0]", "lrs: [1.0e-3, 2.0e-1, 100.0]"))
    snakemake(work, *SMOKE, "--", "results/metrics.json")

    proc = subprocess.run([sys.executable, "-m", "mlp_cifar.compare", str(smoke_build / "results"),
                           str(work / "results" / "metrics.json")], capture_output=True, text=True, check=True)
    table = proc.stdout
    assert "Added runs: `sweep_lr_2em01_plain`." in table
    assert "Removed runs: `sweep_lr_1em01_plain`." in table
    rows = {line.split("|")[1].strip(): line.split("|")[2:5] for line in table.splitlines() if line.startswith("| ")}
    # Nothing else was retrained: the default runs and schedules are the same numbers.
    for what in ("numpy_default test accuracy", "torch_default test accuracy", "schedule_constant test accuracy"):
        old, new, change = (c.strip() for c in rows[what])
        assert old == new and change in ("0.0000", "+0.0000", "-0.0000"), rows[what]
    sweep_row = next(k for k in rows if k.startswith("best without batch norm"))
    assert re.search(r"\(lr [0-9.e+-]+ → [0-9.e+-]+\)", sweep_row), sweep_row


def test_a_missing_build_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mlp_cifar.compare", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no metrics.json" in proc.stderr


def test_the_builds_can_be_named_instead_of_shown_by_path(tmp_path, capsys):
    for name in ("base", "head"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(METRICS))
    assert main([str(tmp_path / "base"), str(tmp_path / "head"),
                 "--old-name", "merge base 1234567", "--new-name", "pull request abcdef0"]) == 0
    heading, _, header = capsys.readouterr().out.splitlines()[:3]
    assert heading == "### Metrics: pull request abcdef0 against merge base 1234567"
    assert header.startswith("| | merge base 1234567 | pull request abcdef0 |") and str(tmp_path) not in header
