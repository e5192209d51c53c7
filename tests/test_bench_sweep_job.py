"""benchmarks/bench_sweep_job.py: a sweep rate's two runs as two processes and as one, side by side."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_sweep_job  # noqa: E402


def test_both_ways_write_identical_documents_and_the_ratio_is_printed(small_synthetic_archive, capsys):
    # NumPy: its processes start without importing PyTorch (the script's logic is the same either way).
    assert bench_sweep_job.main(["--archive", str(small_synthetic_archive), "--rounds", "1", "--epochs", "1",
                                 "--n-val", "500", "--threads", "1", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "one rate, numpy, 1 epochs per run" in out
    assert "round 1: two processes" in out and "one / two = " in out
    assert "documents identical (timings aside): True" in out


def test_timings_are_all_that_is_ignored():
    doc = {"test_accuracy": 0.5, "total_seconds": 3.0, "epochs": [{"val_accuracy": 0.4, "eval_seconds": 1.0}]}
    assert bench_sweep_job.without_timings(doc) == {"test_accuracy": 0.5, "epochs": [{"val_accuracy": 0.4}]}
    assert bench_sweep_job.without_timings(doc) != bench_sweep_job.without_timings({**doc, "test_accuracy": 0.6})
