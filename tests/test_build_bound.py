"""benchmarks/build_bound.py: the matrix-product FLOPs it charges each run, and its table on a tiny build."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import build_bound  # noqa: E402


def doc(hidden, batch, batches, epochs, pca=None, tta=False, test=0.5, n_val=1000, n_test=2000, n_train=45000):
    return {"config": {"hidden": hidden, "batch_size": batch, "pca": pca, "flip_tta": tta},
            "data": {"n_train": n_train, "n_val": n_val, "n_test": n_test},
            "batch_losses": [1.0] * batches, "epochs": [{}] * epochs, "test_accuracy": test, "total_seconds": 1.0}


def test_flops_of_the_default_shape_by_hand():
    # Per training example: first layer forward + weight gradient (no input gradient), second layer all three.
    per_example = 2 * (2 * 3072 * 128) + 3 * (2 * 128 * 10)
    per_evaluated = 2 * 3072 * 128 + 2 * 128 * 10  # forward only
    sizes, batch, flops = build_bound.run_flops(doc([128], 128, batches=700, epochs=2))
    assert sizes == (3072, 128, 10) and batch == 128
    assert flops == 700 * 128 * per_example + (2 * 1000 + 2000) * per_evaluated


def test_flops_with_projection_tta_and_divergence():
    per_example = 2 * 3072 * 384 + 2 * (2 * 384 * 64) + 3 * (2 * 64 * 10)  # projection, then the network
    per_evaluated = 2 * 3072 * 384 + 2 * 384 * 64 + 2 * 64 * 10
    sizes, _, flops = build_bound.run_flops(doc([64], 512, batches=90, epochs=1, pca=384, tta=True))
    assert sizes == (384, 64, 10)
    assert flops == 90 * 512 * per_example + 2 * (1000 + 2000) * per_evaluated  # two views each
    # A run that diverged in its first epoch: its batches up to divergence, no validation, no test.
    _, _, diverged = build_bound.run_flops(doc([64], 128, batches=8, epochs=0, test=None))
    assert diverged == 8 * 128 * (2 * (2 * 3072 * 64) + 3 * (2 * 64 * 10))


def test_table_of_a_tiny_build(tmp_path, capsys):
    runs, bench = tmp_path / "runs", tmp_path / "benchmarks"
    runs.mkdir()
    bench.mkdir()
    for name in ("numpy_default", "sweep_lr_1em01_plain"):
        (runs / f"{name}.json").write_text(json.dumps(doc([8], 16, batches=4, epochs=1, n_val=32, n_test=32,
                                                          n_train=64)))
        (bench / f"train_{name}.tsv").write_text("s\th:m:s\n3.0\t0:00:03\n")
    assert build_bound.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| seeds | 1 |" in out and "| sweep | 1 |" in out and "| **all** | 2 |" in out
    assert "| 2.0 | 6.0 |" in out  # the documents' total seconds and the jobs' wall times, summed


def test_sweep_runs_of_one_rate_share_their_job(tmp_path, capsys):
    """The workflow trains a sweep rate's runs in one job (train_sweep_lr_<rate>.tsv): its wall time
    counts once for both runs; a build from before that rule has one file per run."""
    runs, bench = tmp_path / "runs", tmp_path / "benchmarks"
    runs.mkdir()
    bench.mkdir()
    for name in ("sweep_lr_1em01_plain", "sweep_lr_1em01_bn", "sweep_lr_1e00_plain"):
        (runs / f"{name}.json").write_text(json.dumps(doc([8], 16, batches=4, epochs=1, n_val=32, n_test=32,
                                                          n_train=64)))
    (bench / "train_sweep_lr_1em01.tsv").write_text("s\th:m:s\n5.0\t0:00:05\n")
    (bench / "train_sweep_lr_1em01_plain.tsv").write_text("s\th:m:s\n100.0\t0:01:40\n")  # stale: not counted
    (bench / "train_sweep_lr_1e00_plain.tsv").write_text("s\th:m:s\n3.0\t0:00:03\n")
    assert build_bound.training_jobs(tmp_path, sorted(p.stem for p in runs.iterdir())) == {
        "sweep_lr_1e00_plain": ["sweep_lr_1e00_plain"], "sweep_lr_1em01": ["sweep_lr_1em01_bn", "sweep_lr_1em01_plain"]}
    assert build_bound.main([str(tmp_path)]) == 0
    assert "| sweep | 3 | " in (out := capsys.readouterr().out) and "| 3.0 | 8.0 |" in out, out


def test_a_run_beside_others_counts_its_share_of_the_machine(tmp_path, capsys):
    """A run on 1 thread of 2 CPUs (train_threads: 1, trained side by side) held half the machine: its
    document's seconds and its job's wall time count half; a run on both CPUs counts whole."""
    runs, bench = tmp_path / "runs", tmp_path / "benchmarks"
    runs.mkdir()
    bench.mkdir()
    for name, threads in (("schedule_constant", 1), ("numpy_default", 2)):
        (runs / f"{name}.json").write_text(json.dumps(
            doc([8], 16, batches=4, epochs=1, n_val=32, n_test=32, n_train=64)
            | {"total_seconds": 4.0, "threads": threads, "machine": {"cpu_count": 2}}))
        (bench / f"train_{name}.tsv").write_text("s\th:m:s\n6.0\t0:00:06\n")
    assert build_bound.machine_share({"threads": 1, "machine": {"cpu_count": 2}}) == 0.5
    assert build_bound.machine_share({"threads": 4, "machine": {"cpu_count": 2}}) == 1.0  # capped: 2 of 2
    assert build_bound.machine_share({"total_seconds": 1.0}) == 1.0  # an older document: counted whole
    assert build_bound.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| schedule | 1 |" in out and "| 2.0 | 3.0 |" in out, out  # each document's time, halved: half the machine
    assert "| seeds | 1 |" in out and "| 4.0 | 6.0 |" in out, out


def test_no_documents_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no run documents"):
        build_bound.main([str(tmp_path)])


def test_floor_adds_the_other_jobs_to_the_bound(tmp_path, capsys, monkeypatch):
    """The floor line: the training bound plus every non-training job's wall time, against the target of 7 minutes."""
    runs, bench = tmp_path / "runs", tmp_path / "benchmarks"
    runs.mkdir()
    bench.mkdir()
    (runs / "numpy_default.json").write_text(json.dumps(doc([8], 16, batches=4, epochs=1, n_val=32, n_test=32,
                                                            n_train=64)))
    (bench / "train_numpy_default.tsv").write_text("s\th:m:s\n3.0\t0:00:03\n")
    (bench / "prepare_data.tsv").write_text("s\th:m:s\n400.0\t0:06:40\n")
    (bench / "derivations.tsv").write_text("s\th:m:s\n25.5\t0:00:25\n")
    monkeypatch.setattr(build_bound, "measured_rate", lambda *a: 1e12)  # training bound negligible: the floor is the jobs
    assert build_bound.other_jobs(tmp_path) == {"derivations": 25.5, "prepare_data": 400.0}
    assert build_bound.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "The other jobs took 426 s (derivations 25.5, prepare_data 400.0)" in out, out
    assert "Floor of the build here: 426 s (7.1 min)" in out and "over it" in out, out
    assert "plus rendering the report (no benchmark file of it" in out, out
    (bench / "prepare_data.tsv").write_text("s\th:m:s\n300.0\t0:05:00\n")
    (bench / "report_pdf.tsv").write_text("s\th:m:s\n30.0\t0:00:30\n")  # the PDF rule's, now part of the floor
    assert build_bound.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Floor of the build here: 356 s (5.9 min), against" in out and "within it" in out, out
