"""How close is the NumPy trainer to the matrix-multiply bound, and to PyTorch?

    python benchmarks/bench_epochs.py [--archive PATH] [--epochs 10] [--repeats 3] [--threads N]

In one process, and interleaved over ``--repeats`` rounds (the order rotates
each round, so slow phases of a shared machine hit every contender), it times

* ``numpy``:  ``train(RunConfig(backend="numpy"), splits)`` -- the default run
  (3072-128-10, ReLU, SGD lr 0.1, batch 128, float32) for ``--epochs`` epochs;
* ``torch``:  the same run on the PyTorch eager backend, on the CPU;
* ``bound``:  only the matrix multiplications of those epochs, with the
  trainer's exact shapes, operand layouts, dtype and thread count, back to back
  into preallocated outputs. Its rate (FLOP/s) is the machine's measured
  matrix-multiply rate for this workload and ``bound = FLOPs / rate``.

Seconds per epoch are training plus the per-epoch validation pass (the
``train_seconds`` and ``eval_seconds`` of each epoch in the result documents);
the final test evaluation and model snapshots are only in the runs'
``total_seconds``. On a shared machine other processes only ever add time, in
bursts, so the ratios use the median over every epoch of every round
(``epochs * repeats`` samples per contender); the table also shows the minimum
and the plain mean of the runs.

This is a benchmark, not a test: it prints numbers and checks the targets
(NumPy within 1.3x of the bound and at most 0.85x the time of PyTorch) but always exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from mlp_cifar.data.archive import N_CLASSES, PIXELS  # noqa: E402
from mlp_cifar.data.dataset import make_splits  # noqa: E402
from mlp_cifar.data.source import load_arrays  # noqa: E402
from mlp_cifar.training.config import RunConfig  # noqa: E402
from mlp_cifar.training.evaluation import EVAL_CHUNK  # noqa: E402
from mlp_cifar.training.loop import train  # noqa: E402

SHARED_ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10" / "cifar-10-python.tar.gz"
TARGET_BOUND_RATIO = 1.3
TARGET_TORCH_RATIO = 0.85  # issue 13: NumPy at most 0.85x the time of PyTorch eager on the CPU


# --------------------------------------------------------------------------- FLOPs


def gemm_calls(sizes: list[int], batch_size: int, n_train: int, n_val: int) -> list[tuple[str, int, int, int, int]]:
    """The matrix products of one epoch: ``(what, M, K, N, calls)``, each call ``(M x K) @ (K x N)``.

    Per training batch of ``B`` rows and per linear layer ``in -> out``:
    forward ``X @ W^T`` (B x in @ in x out), weight gradient ``dY^T @ X``
    (out x B @ B x in), and -- for every layer except the first, whose input
    gradient the trainer never computes -- input gradient ``dY @ W``
    (B x out @ out x in). Validation runs the forward products on chunks of
    ``EVAL_CHUNK`` rows. The bias gradient, ReLU, softmax, cross-entropy and
    SGD update are elementwise or reductions and are left out.
    """
    n_batches = n_train // batch_size
    chunks = [min(EVAL_CHUNK, n_val - s) for s in range(0, n_val, EVAL_CHUNK)]
    calls = []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        tag = f"L{layer + 1} {fan_in}->{fan_out}"
        calls.append((f"{tag} forward X@W^T", batch_size, fan_in, fan_out, n_batches))
        calls.append((f"{tag} weight grad dY^T@X", fan_out, batch_size, fan_in, n_batches))
        if layer > 0:
            calls.append((f"{tag} input grad dY@W", batch_size, fan_out, fan_in, n_batches))
        for rows in sorted(set(chunks)):
            calls.append((f"{tag} validation X@W^T", rows, fan_in, fan_out, chunks.count(rows)))
    return calls


def epoch_flops(sizes: list[int], batch_size: int, n_train: int, n_val: int) -> int:
    """Floating-point operations of one epoch (training batches plus validation pass).

    A product (M x K) @ (K x N) costs 2*M*K*N (one multiply and one add per
    term), so per training batch of B rows and linear layer in -> out:

    * forward:           2 * B * in * out
    * weight gradient:   2 * B * in * out
    * input gradient:    2 * B * in * out  (every layer except the first)

    and per validation example 2 * in * out per layer (forward only). Elementwise
    work (bias, ReLU, softmax, cross-entropy, SGD update) is ignored: it is
    O(B * width) per layer against O(B * in * out) for the products. For the
    default 3072-128-10 model, B = 128, 351 batches and 5000 validation images
    that is 351 * 202.3 MFLOP + 3.94 GFLOP = 74.96 GFLOP per epoch, almost all
    of it in the first layer's forward and weight-gradient products.
    """
    return sum(2 * m * k * n * calls for _, m, k, n, calls in gemm_calls(sizes, batch_size, n_train, n_val))


# --------------------------------------------------------------------------- matmul bound


class MatmulEpoch:
    """Runs the matrix products of one epoch in the trainer's order, shapes and layouts.

    Weights are C-contiguous (out, in) arrays used as ``W.T`` in the forward
    pass, like :class:`mlp_cifar.numpy_net.LinearModule`; every product writes
    into a preallocated output, so the timing contains matrix multiplication only.
    """

    def __init__(self, sizes: list[int], batch_size: int, n_train: int, n_val: int, dtype=np.float32):
        rng = np.random.default_rng(0)
        self.n_batches = n_train // batch_size
        layers = list(zip(sizes[:-1], sizes[1:]))

        def arr(*shape):
            return rng.standard_normal(shape).astype(dtype)

        self.w = [arr(o, i) for i, o in layers]
        self.x = [arr(batch_size, i) for i, _ in layers]  # layer inputs of a batch
        self.y = [np.empty((batch_size, o), dtype) for _, o in layers]  # layer outputs
        self.dy = [arr(batch_size, o) for _, o in layers]  # gradients w.r.t. outputs
        self.dw = [np.empty((o, i), dtype) for i, o in layers]
        self.dx = [np.empty((batch_size, i), dtype) for i, _ in layers]
        self.chunks = [min(EVAL_CHUNK, n_val - s) for s in range(0, n_val, EVAL_CHUNK)]
        self.val_x = [arr(EVAL_CHUNK, i) for i, _ in layers]
        self.val_y = [np.empty((EVAL_CHUNK, o), dtype) for _, o in layers]

    def run(self) -> None:
        mm = np.matmul
        w, x, y, dy, dw, dx = self.w, self.x, self.y, self.dy, self.dw, self.dx
        n_layers = len(w)
        for _ in range(self.n_batches):
            for i in range(n_layers):
                mm(x[i], w[i].T, out=y[i])
            for i in range(n_layers - 1, -1, -1):
                mm(dy[i].T, x[i], out=dw[i])
                if i > 0:
                    mm(dy[i], w[i], out=dx[i])
        for rows in self.chunks:
            for i in range(n_layers):
                mm(self.val_x[i][:rows], w[i].T, out=self.val_y[i][:rows])


def per_shape_rates(sizes, batch_size, n_train, n_val, seconds_each=0.05, dtype=np.float32):
    """(what, shape, GFLOP/s) of each product of the epoch, timed alone for the report."""
    rng = np.random.default_rng(1)
    rows = []
    for what, m, k, n, _ in gemm_calls(sizes, batch_size, n_train, n_val):
        # The operand layouts of the trainer: X @ W.T, dY.T @ X, dY @ W.
        if "forward" in what or "validation" in what:
            a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((n, k)).astype(dtype).T
        elif "weight grad" in what:
            a, b = rng.standard_normal((k, m)).astype(dtype).T, rng.standard_normal((k, n)).astype(dtype)
        else:
            a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
        out = np.empty((m, n), dtype)
        np.matmul(a, b, out=out)
        reps = max(1, int(seconds_each / max(2 * m * k * n / 50e9, 1e-6)))
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, b, out=out)
            times.append((time.perf_counter() - t0) / reps)
        rows.append((what, f"{m}x{k} @ {k}x{n}", 2 * m * k * n / statistics.median(times) / 1e9))
    return rows


# --------------------------------------------------------------------------- runs


def get_splits(archive: str | None, data_dir: str):
    if archive is None:
        if SHARED_ARCHIVE.is_file():
            archive = str(SHARED_ARCHIVE)
        else:
            try:
                from mlp_cifar.data.synthetic import write_synthetic_archive
            except ImportError:
                sys.exit(f"no --archive given, {SHARED_ARCHIVE} missing and no synthetic archive writer available")
            tmp = Path(tempfile.mkdtemp(prefix="bench_epochs_"))
            archive = str(write_synthetic_archive(tmp / "synthetic-cifar-10.tar.gz", seed=0))
            data_dir = str(tmp)
            print("(synthetic stand-in: same shapes and FLOPs, made-up images)")
    print(f"archive: {archive}")
    return make_splits(load_arrays(archive, data_dir), dtype=np.float32)


def cpu_counters() -> tuple[float, float, float, float] | None:
    """(wall, busy CPU seconds of the machine, steal seconds, this process's CPU seconds); None without /proc."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    own = os.times()
    return (time.perf_counter(), (user + nice + system + irq + softirq) / tick, steal / tick,
            own.user + own.system)


def cpu_competition(before) -> tuple[float, float] | None:
    """Fractions of the machine's CPU capacity used by other processes, and stolen by the
    hypervisor, since ``before`` (from :func:`cpu_counters`)."""
    after = cpu_counters()
    if before is None or after is None:
        return None
    capacity = (after[0] - before[0]) * (os.cpu_count() or 1)
    others = (after[1] - before[1]) - (after[3] - before[3])
    return max(others, 0.0) / capacity, (after[2] - before[2]) / capacity


def thread_report(threads: int | None) -> list[str]:
    from threadpoolctl import threadpool_info

    lines = []
    for info in threadpool_info():
        lines.append(f"  {info['user_api']:7s} {info['internal_api']:9s} {info.get('version') or '':12s} "
                     f"threads={info['num_threads']:<3d} {Path(info['filepath']).name}"
                     + (f"  (architecture {info['architecture']})" if info.get("architecture") else ""))
    try:
        import torch

        lines.append(f"  torch   intra-op threads={torch.get_num_threads()} (interop {torch.get_num_interop_threads()})")
    except ImportError:
        pass
    lines.append(f"  --threads {threads if threads else 'not set (library defaults)'}")
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archive", help=f"CIFAR-10 python archive (default: {SHARED_ARCHIVE} if present, "
                                     "else a synthetic one)")
    p.add_argument("--data-dir", default=str(ROOT / "data"), help="array cache directory for --archive")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3, help="interleaved rounds (median over all their epochs)")
    p.add_argument("--threads", type=int, default=None, help="BLAS / torch threads (default: library defaults)")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch runs")
    p.add_argument("--budget", type=float, default=170.0,
                   help="seconds; no new round starts once it would likely run past this (default 170)")
    args = p.parse_args(argv)

    cpu_before = cpu_counters()
    splits = get_splits(args.archive, args.data_dir)
    torch_cpu = {"device": "cpu"} if "device" in {f.name for f in dataclasses.fields(RunConfig)} else {}
    cfg = {"numpy": RunConfig(backend="numpy", epochs=args.epochs, threads=args.threads),
           "torch": RunConfig(backend="torch", epochs=args.epochs, threads=args.threads, **torch_cpu)}
    sizes = [PIXELS, *cfg["numpy"].hidden, N_CLASSES]
    batch = cfg["numpy"].batch_size
    n_train, n_val = len(splits.train), len(splits.val)
    flops = epoch_flops(sizes, batch, n_train, n_val)
    contenders = ["numpy", "bound"] + ([] if args.no_torch else ["torch"])
    if not args.no_torch:
        import torch  # noqa: F401  (import outside the timings)

    limits = nullcontext
    if args.threads:
        from threadpoolctl import threadpool_limits

        def limits():
            return threadpool_limits(limits=args.threads)

    mm_epoch = MatmulEpoch(sizes, batch, n_train, n_val)
    with limits():
        mm_epoch.run()  # warm up BLAS threads and buffers

    # Per contender: seconds of every single epoch (all rounds), and of each whole run.
    epoch_s: dict[str, list[float]] = {c: [] for c in contenders}
    run_s: dict[str, list[float]] = {c: [] for c in contenders}
    total_s: dict[str, list[float]] = {c: [] for c in contenders}
    val_acc: dict[str, list[float]] = {}
    started = time.perf_counter()
    rounds = 0
    for rnd in range(args.repeats):
        elapsed = time.perf_counter() - started
        if rnd and elapsed + elapsed / rnd > args.budget:
            print(f"stopping after {rnd} of {args.repeats} rounds: the next one would end past --budget "
                  f"{args.budget:.0f} s (the machine is slower than usual, or busy)")
            break
        rounds += 1
        order = contenders[rnd % len(contenders):] + contenders[:rnd % len(contenders)]
        for who in order:
            if who == "bound":
                with limits():
                    t_run = time.perf_counter()
                    for _ in range(args.epochs):
                        t0 = time.perf_counter()
                        mm_epoch.run()
                        epoch_s[who].append(time.perf_counter() - t0)
                    total_s[who].append(time.perf_counter() - t_run)
                run_s[who].append(sum(epoch_s[who][-args.epochs:]))
            else:
                doc = train(cfg[who], splits, progress=False)
                epoch_s[who] += [e["train_seconds"] + e["eval_seconds"] for e in doc["epochs"]]
                run_s[who].append(sum(epoch_s[who][-args.epochs:]))
                total_s[who].append(doc["total_seconds"])
                val_acc[who] = [e["val_accuracy"] for e in doc["epochs"]]
        print(f"round {rnd + 1}/{args.repeats}: "
              + "  ".join(f"{c} {run_s[c][-1] / args.epochs:.3f}" for c in contenders) + " s/epoch", flush=True)
    bench_seconds = time.perf_counter() - started

    with limits():
        shapes = per_shape_rates(sizes, batch, n_train, n_val)

    med = {c: statistics.median(v) for c, v in epoch_s.items()}
    best = {c: min(v) for c, v in epoch_s.items()}
    rate = flops / med["bound"]

    print()
    print(f"model {'-'.join(map(str, sizes))}, batch {batch}, {n_train // batch} batches/epoch, "
          f"{n_val} validation images, float32, {args.epochs} epochs x {rounds} rounds")
    print(f"FLOPs per epoch: {flops / 1e9:.2f} GFLOP (training + validation products; elementwise ops ignored)")
    print(f"measured matmul rate (these shapes, median epoch): {rate / 1e9:.1f} GFLOP/s")
    print()
    print("seconds per epoch (training + validation), over all epochs of all rounds:")
    print(f"{'':8s} {'median':>8s} {'min':>8s} {'mean':>8s} {'run total s':>12s}   mean of each round")
    for c in contenders:
        runs = run_s[c]
        print(f"{c:8s} {med[c]:8.3f} {best[c]:8.3f} {sum(runs) / len(runs) / args.epochs:8.3f} "
              f"{statistics.median(total_s[c]):12.2f}   " + " ".join(f"{x / args.epochs:.3f}" for x in runs))
    print()
    r_bound = med["numpy"] / med["bound"]
    print(f"numpy / bound = {r_bound:.2f} (min/min {best['numpy'] / best['bound']:.2f})   "
          f"target <= {TARGET_BOUND_RATIO}: {'met' if r_bound <= TARGET_BOUND_RATIO else 'NOT met'}")
    if not args.no_torch:
        r_torch = med["numpy"] / med["torch"]
        print(f"numpy / torch = {r_torch:.2f} (min/min {best['numpy'] / best['torch']:.2f})   "
              f"target <= {TARGET_TORCH_RATIO}: {'met' if r_torch <= TARGET_TORCH_RATIO else 'NOT met'}")
        diff = max(abs(a - b) for a, b in zip(val_acc["numpy"], val_acc["torch"]))
        print(f"validation accuracy after epoch {args.epochs}: numpy {val_acc['numpy'][-1]:.4f}, "
              f"torch {val_acc['torch'][-1]:.4f} (largest per-epoch difference {diff:.4f})")
    print()
    print("matrix products per epoch, each timed alone (operand layouts of the trainer):")
    calls = gemm_calls(sizes, batch, n_train, n_val)
    for (what, shape, gflops), (_, _, _, _, n) in zip(shapes, calls):
        print(f"  {what:30s} {shape:22s} x{n:<4d} {gflops:7.1f} GFLOP/s")
    print()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}")
    competition = cpu_competition(cpu_before)
    if competition:
        others, steal = competition
        print(f"while benchmarking, other processes kept {others:.0%} of the CPUs busy, hypervisor steal {steal:.0%}"
              + ("  -- timings disturbed; rerun on a quiet machine" if others + steal > 0.1 else ""))
    print("thread pools:")
    print("\n".join(thread_report(args.threads)))
    print(f"benchmark time: {bench_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
