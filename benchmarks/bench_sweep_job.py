"""One sweep rate's two runs (plain, batch norm) as two processes, or as one that trains both?

    python benchmarks/bench_sweep_job.py --archive PATH/cifar-10-python.tar.gz [--rounds 3] [--epochs N]
        [--backend numpy|torch]

The workflow's rule train_sweep_rate trains a learning rate's runs one after another in one process
(scripts/train.py, `mlp_cifar.training.workflow.train_runs`); before, each run was its own job. This times both ways side by side, round
after round in alternating order, on the real prepared splits: each way is a fresh Python process
per job, as Snakemake starts them, calling the same `mlp_cifar.training.workflow.train_runs`. It prints the
wall time of each way per round, their ratio, and the start-up cost (wall time minus the
documents' `total_seconds`), and checks that both ways wrote identical documents (timings aside).
Settings: config.yaml's `defaults` on the sweep's backend at rate 0.1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from mlp_cifar.data.cache import build_cache  # noqa: E402
from mlp_cifar.data.split_files import prepare_splits  # noqa: E402

TIMINGS = {"whiten_seconds", "train_seconds", "eval_seconds", "total_seconds", "made", "checksum"}
# One job, as scripts/train.py runs it: its (settings, output) pairs trained in this process.
JOB = """
import json, sys
from mlp_cifar.training.workflow import train_runs
cache, splits, data, threads, *runs = json.loads(sys.argv[1])
train_runs(cache, splits, runs, data, threads)
"""


def without_timings(doc):
    if isinstance(doc, dict):
        return {k: without_timings(v) for k, v in doc.items() if k not in TIMINGS and k != "machine"}
    if isinstance(doc, list):
        return [without_timings(v) for v in doc]
    return doc


def run_job(common: list, runs: list) -> float:
    """Wall time of one fresh process that trains ``runs`` ((settings, output) pairs)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", JOB, json.dumps([*common, *runs])], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archive", required=True, help="local CIFAR-10 python archive")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, help="epochs per run (default: config.yaml's defaults)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n-val", type=int, help="validation images (default: config.yaml's data.n_val)")
    p.add_argument("--backend", choices=("numpy", "torch"), help="(default: config.yaml's sweep backend)")
    args = p.parse_args(argv)

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    base = {**config["defaults"], "backend": config["sweep"].get("backend") or config["defaults"]["backend"],
            "lr": 0.1, "schedule": None}
    if args.backend:
        base["backend"] = args.backend
    if args.epochs:
        base["epochs"] = args.epochs
    data = {"n_val": args.n_val or config["data"]["n_val"], "split_seed": config["data"]["split_seed"]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cache = tmp / "cifar10.npz"
        build_cache(args.archive, cache)
        prepare_splits(cache, tmp / "splits", **data)
        common = [str(cache), str(tmp / "splits"), data, args.threads]
        kinds = {"plain": {**base, "batch_norm": False}, "bn": {**base, "batch_norm": True}}
        walls = {"separate": [], "together": []}
        docs = {}
        for r in range(args.rounds):
            order = ("separate", "together") if r % 2 == 0 else ("together", "separate")
            for way in order:
                outs = {kind: str(tmp / f"{way}_{kind}.json") for kind in kinds}
                runs = [(kinds[kind], outs[kind]) for kind in kinds]
                if way == "separate":
                    wall = sum(run_job(common, [run]) for run in runs)
                else:
                    wall = run_job(common, runs)
                docs[way] = {kind: json.loads(Path(out).read_text()) for kind, out in outs.items()}
                trained = sum(doc["total_seconds"] for doc in docs[way].values())
                walls[way].append((wall, wall - trained))
            print(f"round {r + 1}: two processes {walls['separate'][-1][0]:.2f} s, one process "
                  f"{walls['together'][-1][0]:.2f} s", flush=True)
        same = all(without_timings(docs["separate"][k]) == without_timings(docs["together"][k]) for k in kinds)

    med = {way: (statistics.median(w for w, _ in v), statistics.median(s for _, s in v)) for way, v in walls.items()}
    print(f"\none rate, {base['backend']}, {base['epochs']} epochs per run, {args.threads} threads, "
          f"{args.rounds} rounds (medians):")
    print(f"  two processes (a job per run):   {med['separate'][0]:6.2f} s wall, {med['separate'][1]:5.2f} s start-up")
    print(f"  one process (a job per rate):    {med['together'][0]:6.2f} s wall, {med['together'][1]:5.2f} s start-up")
    print(f"  one / two = {med['together'][0] / med['separate'][0]:.2f}; "
          f"start-up saved per rate {med['separate'][1] - med['together'][1]:.2f} s")
    print(f"  documents identical (timings aside): {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
