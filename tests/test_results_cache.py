"""The results cache (mlp_cifar/results_cache.py): where it is, sealed documents, damaged entries found and
removed, the listing and clearing command, and the report's table of where each result was made."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from mlp_cifar import results_cache
from mlp_cifar.provenance import cpu_model
from mlp_cifar.report.provenance import made_rows
from mlp_cifar.results_cache import entry_problem, location, remove_damaged_entries, seal, write_sealed_json

DOC = {"config": {"backend": "torch", "hidden": [32], "lr": 0.1, "epochs": 3, "threads": 1},
       "test_accuracy": 0.4567, "batch_losses": [2.3, 2.1, 1.9], "total_seconds": 1.25,
       "made": {"checkout": "a" * 32, "at": "2026-12-04T05:00:00+00:00", "cpu_model": "AMD EPYC 7B13"}}


@pytest.mark.parametrize("environ, expected", [
    ({"HOME": "/home/u"}, Path("/home/u/.cache/mlp-cifar/results")),
    ({"HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"}, Path("/xdg/mlp-cifar/results")),
    ({"HOME": "/home/u", "SNAKEMAKE_OUTPUT_CACHE": "/snake"}, Path("/snake")),
    ({"HOME": "/home/u", "SNAKEMAKE_OUTPUT_CACHE": "/snake", "MLP_CIFAR_CACHE": "/mine"}, Path("/mine")),
    ({"HOME": "/home/u", "MLP_CIFAR_CACHE": "off"}, None),
    ({"HOME": "/home/u", "MLP_CIFAR_CACHE": "OFF", "SNAKEMAKE_OUTPUT_CACHE": "/snake"}, None),
])
def test_the_location_comes_from_the_environment_with_a_default(environ, expected, monkeypatch):
    monkeypatch.setenv("HOME", environ["HOME"])
    assert location(environ) == expected


def test_a_sealed_document_is_whole_and_any_change_is_caught(tmp_path):
    path = tmp_path / "entry.json"
    written = write_sealed_json(path, DOC)
    assert json.loads(path.read_text()) == written and written["checksum"] == seal(DOC)["checksum"]
    assert entry_problem(path) is None
    # Key order and indentation do not matter, the content does.
    path.write_text(json.dumps(dict(reversed(list(written.items())))))
    assert entry_problem(path) is None
    changed = {**written, "test_accuracy": 0.4568}
    path.write_text(json.dumps(changed))
    assert "checksum does not match" in entry_problem(path)


@pytest.mark.parametrize("damage, reason", [
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (lambda text: "", "not valid JSON"),
    (lambda text: "<html>not json</html>", "not valid JSON"),
    (lambda text: json.dumps(DOC), "no checksum"),
    (lambda text: json.dumps([1, 2]), "no checksum"),
    (lambda text: text.replace("0.4567", "0.9567"), "checksum does not match"),
])
def test_damaged_entries_are_named_and_removed_and_whole_ones_kept(tmp_path, damage, reason):
    damaged = tmp_path / "b.json"
    write_sealed_json(tmp_path / "whole.json", DOC)
    write_sealed_json(damaged, DOC)
    damaged.write_text(damage(damaged.read_text()))
    (tmp_path / "tmpabc").mkdir()  # Snakemake's store in progress: a folder, not an entry
    assert reason in entry_problem(damaged)
    removed = remove_damaged_entries(tmp_path)
    assert list(removed) == [damaged] and reason in removed[damaged]
    assert not damaged.exists() and (tmp_path / "whole.json").exists() and (tmp_path / "tmpabc").is_dir()
    assert remove_damaged_entries(tmp_path / "nowhere") == {}


def test_the_command_lists_size_and_entries_and_clears_them(tmp_path, capsys):
    write_sealed_json(tmp_path / "0123456789abcdef0123.json", DOC)
    write_sealed_json(tmp_path / "fedcba9876543210fedc_plain.json", {"seconds": 2.0, "questions": []})
    assert results_cache.main([], environ={"MLP_CIFAR_CACHE": str(tmp_path)}) == 0
    out = capsys.readouterr().out
    assert f"results cache: {tmp_path}" in out and "2 entries" in out and "--clear" in out
    assert ("run: torch [32] lr 0.1, 3 epochs, 1 thread(s): test accuracy 0.4567, on AMD EPYC 7B13, "
            "2026-12-04T05:00:00+00:00") in out
    assert "derivations (SymPy and code checks)" in out
    assert results_cache.main(["--clear"], environ={"MLP_CIFAR_CACHE": str(tmp_path)}) == 0
    assert "removed 2 entries" in capsys.readouterr().out and results_cache.entries(tmp_path) == []
    assert results_cache.main([], environ={"MLP_CIFAR_CACHE": "off"}) == 0
    assert "off" in capsys.readouterr().out


@pytest.mark.parametrize("doc, expected", [
    ({**DOC, "seed": 43, "config": {**DOC["config"], "schedule": {"name": "cosine"}, "batch_norm": True}},
     "run: torch [32] batch norm lr 0.1, cosine schedule, seed 43, 3 epochs, 1 thread(s): test accuracy 0.4567"),
    ({**DOC, "seed": 42, "diverged": True, "test_accuracy": None},
     "run: torch [32] lr 0.1, seed 42, 3 epochs, 1 thread(s): diverged"),
    ({"questions": [], "passed": True, "seconds": 1.0}, "derivations (SymPy and code checks, passed)"),
    ({"cases": [], "threshold": 1e-10, "passed": False}, "parity check (NumPy against PyTorch in float64, FAILED)"),
    ({"monte_carlo": {}, "depth": {}}, "ReLU-variance estimate (Monte Carlo)"),
    ({"something": 1}, "result: something"),
])
def test_each_kind_of_entry_is_described_so_that_two_runs_can_be_told_apart(doc, expected):
    assert results_cache.describe_document(doc) == expected


def test_the_cpu_model_is_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC   7B13 64-Core Processor\n")
    assert cpu_model(info) == "AMD EPYC 7B13 64-Core Processor"
    assert cpu_model(tmp_path / "missing")  # the platform's answer instead, never empty


def _id(root):
    return results_cache.checkout_id(root)


def test_a_checkout_keeps_one_id_even_when_jobs_ask_at_once(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_id, [tmp_path] * 8)
    assert len(set(ids)) == 1 and len(ids[0]) == 32
    assert results_cache.checkout_id(tmp_path) == ids[0] != results_cache.checkout_id(tmp_path / "other")


def test_the_report_tells_results_made_here_from_restored_ones():
    here = {**DOC, "made": {**DOC["made"], "checkout": "b" * 32}}
    rows = made_rows({"torch_default": DOC, "numpy_default": here, "parity": {"cases": []},
                      "derivations": {"seconds": 3.5, "made": {"checkout": "b" * 32}}}, "b" * 32)
    assert [(r["name"], r["here"]) for r in rows] == [("torch_default", False), ("numpy_default", True),
                                                     ("parity", None), ("derivations", True)]
    assert rows[0]["cpu_model"] == "AMD EPYC 7B13" and rows[0]["seconds"] == 1.25 and rows[3]["seconds"] == 3.5


def test_links_to_removed_entries_are_removed_and_others_kept(tmp_path):
    cache, results = tmp_path / "cache", tmp_path / "results"
    (results / "runs").mkdir(parents=True)
    write_sealed_json(cache / "kept.json", DOC)
    (results / "runs" / "kept.json").symlink_to(cache / "kept.json")
    (results / "runs" / "gone.json").symlink_to(cache / "gone.json")
    (results / "metrics.json").write_text("{}")
    assert results_cache.remove_broken_links(results) == [results / "runs" / "gone.json"]
    assert sorted(p.name for p in (results / "runs").iterdir()) == ["kept.json"]
    assert (results / "metrics.json").exists() and results_cache.remove_broken_links(tmp_path / "none") == []
