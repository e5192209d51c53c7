"""Faults a user meets after the first build (issue 29), the ones that need no Snakemake: the trainer's
--seed, the site folder, compare's arguments, and the config checks behind the
Snakefile's messages (tests/test_faults_workflow.py drives Snakemake)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mlp_cifar import compare, site
from mlp_cifar.training import cli

REPO = Path(__file__).resolve().parents[1]


# Case 6: the schema's minimum seed of 0 holds on the command line too, before any data is loaded.
def test_a_negative_seed_is_refused_before_loading_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "load_arrays", lambda *a, **k: pytest.fail("data loaded before the check"))
    assert cli.main(["--out", str(tmp_path / "run.json"), "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--seed -1: expected an integer >= 0" in err and "Traceback" not in err
    assert not (tmp_path / "run.json").exists()


# Case 7: the site folder holds exactly one build's files, and a wrong folder is refused by name.
def results_folder(root: Path, csvs=("runs", "epochs", "sweep", "schedules")) -> Path:
    results = root / "results"
    (results / "report").mkdir(parents=True)
    (results / "tables").mkdir()
    (results / "report" / "report.html").write_text("<html></html>")
    (results / "report" / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (results / "metrics.json").write_text("{}")
    for name in csvs:
        (results / "tables" / f"{name}.csv").write_text("a,b\n")
    return results


def run_site(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlp_cifar.site", *args], cwd=cwd, capture_output=True, text=True)


def test_the_site_folder_keeps_no_file_of_an_older_build(tmp_path):
    old = results_folder(tmp_path / "old")
    (old.parent / "old-report.html").write_text("Snakemake's report of the old build")
    assert run_site(str(old), "site", "--snakemake-report", str(old.parent / "old-report.html"),
                    cwd=tmp_path).returncode == 0
    assert (tmp_path / "site" / "schedules.csv").is_file()
    new = results_folder(tmp_path / "new", csvs=("runs", "epochs"))  # no sweep, no schedules this time
    proc = run_site(str(new), "site", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [
        "epochs.csv", "index.html", "metrics.json", "report.html", "report.pdf", "runs.csv"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing left beside it


@pytest.mark.parametrize("target", ["results/report", "results/metrics.json", "results"])
def test_a_site_folder_that_is_not_one_is_refused_by_name(tmp_path, target):
    results = results_folder(tmp_path)
    before = {p: p.read_bytes() for p in results.rglob("*") if p.is_file()}
    proc = run_site("results", target, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {target} ") and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert {p: p.read_bytes() for p in results.rglob("*") if p.is_file()} == before


# Case 10: compare names the argument that is not a build's metrics.json.
@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "NEW new.json: not the metrics.json of a build (a JSON list)"),
    ("{}", "NEW new.json: not the metrics.json of a build (no runs in it)"),
    ('{"runs": ', "NEW new.json: not valid JSON (Expecting value at line 1 column 10)"),
])
def test_compare_names_the_argument_that_is_not_metrics(tmp_path, capsys, monkeypatch, text, message):
    good = {"runs": {"numpy_default": {"backend": "numpy", "test_accuracy": 0.4, "best_val_accuracy": 0.4,
                                       "train_seconds": 1.0, "diverged": False}}}
    (tmp_path / "old.json").write_text(json.dumps(good))
    (tmp_path / "new.json").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert compare.main(["old.json", "new.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and len(err.splitlines()) == 1, err


# Case 10: a YAML syntax error is named with its line; case 4: aliases are counted, not expanded.
def test_a_yaml_mistake_is_named_with_its_line(tmp_path):
    from mlp_cifar.config_types import yaml_problem

    path = tmp_path / "config.yaml"
    path.write_text("data:\n  n_val: [5000\n  split_seed: 42\n")
    assert yaml_problem(path).startswith(f"{path}, line 3, column 13: not valid YAML: expected ',' or ']'")
    path.write_text("data: {n_val: 5000}\n")
    assert yaml_problem(path) is None


def test_an_alias_bomb_is_refused_in_time_linear_in_its_text():
    from mlp_cifar.config_types import check_size

    levels = 30  # 9 ** 31 values once expanded
    text = "&l0 [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]"
    for k in range(1, levels + 1):
        text = f"&l{k} [{text}, " + ", ".join([f"*l{k - 1}"] * 8) + "]"
    config = yaml.safe_load(f"sweep:\n  lrs: {text}\n  batch_norm: [false]\n")
    start = time.monotonic()
    with pytest.raises(ValueError, match=r"^config: sweep\.lrs holds more than 100,000 values"):
        check_size(config)
    assert time.monotonic() - start < 1
    endless = yaml.safe_load("runs: &a {x: *a}\n")
    with pytest.raises(ValueError, match=r"^config: runs"):
        check_size(endless)
    check_size(yaml.safe_load((REPO / "config.yaml").read_text()))
