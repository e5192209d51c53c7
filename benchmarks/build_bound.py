"""How far is a finished build from what this machine's matrix multiplications allow?

    python benchmarks/build_bound.py [RESULTS_DIR]      (default: results)

For every training run of the build (``RESULTS_DIR/runs/*.json``) it counts the floating-point
operations of its matrix products -- every trained batch (up to divergence), every validation pass
(twice with flip test-time augmentation), the final test pass -- and times those products here and
now, with the run's shapes, layouts and dtype (``bench_epochs.MatmulEpoch``, one epoch per distinct
model shape; a run with ``pca`` also multiplies every image by its projection, timed at the
first layer's rate). ``bound`` is the time the run's products alone take at that rate: no start-up, no
data loading, no elementwise work. Next to it, from the same build: the run's training time
(``total_seconds`` of its document) and its job's wall time (Snakemake's benchmark file, so
start-up included; the runs of one sweep rate share a job). A run on fewer threads than the machine
has CPUs held only that share of the machine (others trained beside it, workflow setting
``train_threads``), so its times count as ``seconds * threads / CPUs``: machine-seconds, comparable
with the bound, which the products take on all CPUs. The build's other jobs (data preparation,
derivations, parity, the report and its PDF, ...) are added as their benchmark files measured them,
which gives a floor for the build on this machine: the training products at the measured rate plus
those jobs, against issue 13's target of 7 minutes. Snakemake's own time comes on top.

The ratios are measured in one run of this script, but the build's times come from when the build
ran: on a VM whose matrix-multiply rate drifts (up to ~1.7x within one session here), compare builds
and bounds from the same hour. float64 runs are timed as float32 (none is configured).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_epochs import MatmulEpoch, epoch_flops  # noqa: E402

from mlp_cifar.data.archive import N_CLASSES, PIXELS  # noqa: E402
from mlp_cifar.runs import SWEEP_PREFIX, network_inputs, sweep_jobs  # noqa: E402


TARGET_BUILD_MINUTES = 7  # issue 13, item 3: the whole report from a fresh clone


def run_flops(doc: dict) -> tuple[tuple[int, ...], int, float]:
    """(layer sizes, batch size, FLOPs of the run's matrix products) from a run document."""
    cfg, data = doc["config"], doc["data"]
    sizes = [network_inputs(cfg, PIXELS), *cfg["hidden"], N_CLASSES]
    batch = cfg["batch_size"]
    views = 2 if cfg.get("flip_tta") else 1
    projection = 2 * PIXELS * cfg["pca"] if cfg.get("pca") else 0  # per image and view, forward only
    train_per_batch = epoch_flops(sizes, batch, batch, 0) + batch * projection  # no validation
    val_pass = views * (epoch_flops(sizes, batch, 0, data["n_val"]) + data["n_val"] * projection)
    test_pass = views * (epoch_flops(sizes, batch, 0, data["n_test"]) + data["n_test"] * projection)
    batches = len(doc["batch_losses"])  # every batch trained, up to and including a divergent one
    flops = batches * train_per_batch + len(doc["epochs"]) * val_pass
    if doc["test_accuracy"] is not None:
        flops += test_pass
    return tuple(sizes), batch, flops


def measured_rate(sizes: tuple[int, ...], batch: int, n_train: int, n_val: int) -> float:
    """FLOP/s of one epoch of these products, timed now (the faster of two epochs: the first warms up)."""
    epoch = MatmulEpoch(list(sizes), batch, n_train, n_val)
    flops = epoch_flops(list(sizes), batch, n_train, n_val)
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        epoch.run()
        times.append(time.perf_counter() - t0)
    return flops / min(times)


def benchmark_seconds(path: Path) -> float:
    """The wall time a Snakemake benchmark file recorded (its ``s`` column)."""
    with path.open() as f:
        return float(next(csv.DictReader(f, delimiter="\t"))["s"])


def job_seconds(results: Path, job: str) -> float | None:
    """Wall time of training job ``job`` (Snakemake's benchmark file ``train_<job>.tsv``), None without one."""
    path = results / "benchmarks" / f"train_{job}.tsv"
    return benchmark_seconds(path) if path.is_file() else None


def training_jobs(results: Path, runs: list[str]) -> dict[str, list[str]]:
    """The training jobs that made ``runs``, each once, with the runs each trained: a sweep rate's job
    trained that rate's runs together (workflow rule train_sweep_rate); every other run, and a sweep
    run of a build from before that rule, had its own."""
    sweep = [run for run in runs if run.startswith(SWEEP_PREFIX)]
    jobs = {run: [run] for run in runs if run not in sweep}
    for rate, rate_runs in sweep_jobs(sweep).items():
        together = f"{SWEEP_PREFIX}{rate}"
        if job_seconds(results, together) is not None:
            jobs[together] = rate_runs
        else:
            jobs.update({run: [run] for run in rate_runs})
    return jobs


def other_jobs(results: Path) -> dict[str, float]:
    """Wall time of every job that is not a training job, by benchmark file (``<rule>.tsv``)."""
    return {path.stem: benchmark_seconds(path) for path in sorted((results / "benchmarks").glob("*.tsv"))
            if not path.stem.startswith("train_")}


def machine_share(doc: dict) -> float:
    """The share of the machine a run held: its threads over the CPUs (1 when either is not recorded)."""
    threads, cpus = doc.get("threads"), (doc.get("machine") or {}).get("cpu_count")
    return min(threads, cpus) / cpus if threads and cpus else 1.0


def group_of(run: str) -> str:
    for prefix in ("sweep_", "schedule_"):
        if run.startswith(prefix):
            return prefix.rstrip("_")
    return "seeds" if "_default" in run else run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    results = Path(argv[0] if argv else "results")
    docs = {p.stem: json.loads(p.read_text()) for p in sorted((results / "runs").glob("*.json"))}
    if not docs:
        sys.exit(f"no run documents in {results / 'runs'}: pass the results directory of a finished build")
    rates: dict[tuple, float] = {}
    rows = []
    for run, doc in docs.items():
        sizes, batch, flops = run_flops(doc)
        key = (sizes, batch)
        if key not in rates:
            data = doc["data"]
            rates[key] = measured_rate(sizes, batch, data["n_train"], data["n_val"])
            shape = "-".join(map(str, sizes))
            print(f"matmul rate of {shape}, batch {batch}: {rates[key] / 1e9:.0f} GFLOP/s", file=sys.stderr)
        rows.append((group_of(run), flops / rates[key], doc["total_seconds"] * machine_share(doc)))

    groups: dict[str, list] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for group, bound, trained in rows:
        g = groups[group]
        g[0] += 1
        g[1] += bound
        g[2] += trained
    for job, job_runs in training_jobs(results, list(docs)).items():
        # a job's runs share its threads (those of one sweep rate come from the same settings)
        groups[group_of(job)][3] += (job_seconds(results, job) or 0.0) * machine_share(docs[job_runs[0]])
    print(f"\nbuild: {results.resolve()}\n")
    print("| runs | n | matmul bound s | training machine-s (documents) | job machine-s | training / bound "
          "| job / bound |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = [0, 0.0, 0.0, 0.0]
    for group, (n, bound, trained, job) in sorted(groups.items(), key=lambda kv: -kv[1][3]):
        print(f"| {group} | {n} | {bound:.1f} | {trained:.1f} | {job:.1f} | {trained / bound:.2f} | {job / bound:.2f} |")
        total = [total[0] + n, total[1] + bound, total[2] + trained, total[3] + job]
    n, bound, trained, job = total
    print(f"| **all** | {n} | {bound:.1f} | {trained:.1f} | {job:.1f} | {trained / bound:.2f} | {job / bound:.2f} |")
    print(f"\nThe training runs' matrix products alone need {bound:.0f} s ({bound / 60:.1f} min) of this whole "
          f"machine now; the build's training jobs held it for {job:.0f} machine-seconds.")
    others = other_jobs(results)
    rest = sum(others.values())
    floor = bound + rest
    listed = ", ".join(f"{name} {s:.1f}" for name, s in others.items()) or "none recorded"
    report = "" if "report_pdf" in others else " plus rendering the report (no benchmark file of it: an older build)"
    print(f"The other jobs took {rest:.0f} s ({listed}). Floor of the build here: {floor:.0f} s "
          f"({floor / 60:.1f} min){report}, against a target of {TARGET_BUILD_MINUTES} min: "
          f"{'within' if floor <= TARGET_BUILD_MINUTES * 60 else 'over'} it before any overhead.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
