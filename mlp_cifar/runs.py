"""Runs of the learning-rate sweep and the schedule comparison: names and settings from the config.

Pure Python (no NumPy), so that the workflow's plan (mlp_cifar.plan) can import it while Snakemake
reads the config. Every sweep point and every compared schedule is one training run of ``defaults`` with a
few settings changed, and its name says which:

    sweep_lr_<rate>_<plain|bn>     e.g. sweep_lr_1em06_plain (1e-06, no batch norm), sweep_lr_1e02_bn (100)
    schedule_<name>                e.g. schedule_cosine; when a schedule name is listed more than once,
                                   schedule_<name>_<parameter><value>..., e.g. schedule_time_based_decay5em01

Numbers are written without '.', '-' or '+' (``number_token``), so names match the workflow's
run wildcard ``[A-Za-z0-9_]+``. A name depends only on its own point, never on its position in a
list, so adding or removing a rate adds or removes exactly that point's runs.
"""

from __future__ import annotations

from typing import Mapping, Sequence

SWEEP_PREFIX = "sweep_lr_"
SCHEDULE_PREFIX = "schedule_"


def number_token(value: float) -> str:
    """A positive or zero number as a name-safe token with 7 significant digits.

    ``1e-06`` -> ``1em06``, ``0.1`` -> ``1em01``, ``1`` -> ``1e00``, ``100`` -> ``1e02``,
    ``2.5e-3`` -> ``2p5em03``, ``0`` -> ``0e00`` ('p' is the decimal point, 'm' a negative exponent).
    """
    value = float(value)
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"expected a finite number >= 0, got {value!r}")
    mantissa, exponent = f"{value:.6e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".").replace(".", "p")
    e = int(exponent)
    return f"{mantissa}e{'m' if e < 0 else ''}{abs(e):02d}"


def sweep_run_name(lr: float, batch_norm: bool) -> str:
    return f"{SWEEP_PREFIX}{number_token(lr)}_{'bn' if batch_norm else 'plain'}"


def sweep_runs(defaults: Mapping, sweep: Mapping) -> dict[str, dict]:
    """The sweep's runs, name -> full settings: ``defaults`` with each learning rate of ``sweep["lrs"]``
    and each ``sweep["batch_norm"]`` setting, on ``sweep["backend"]`` (default: that of ``defaults``).

    Ordered by learning rate, then batch-norm setting as listed. The rate is constant (no schedule)."""
    runs: dict[str, dict] = {}
    backend = sweep.get("backend") or defaults["backend"]
    for lr in sorted(float(x) for x in sweep["lrs"]):
        for bn in sweep["batch_norm"]:
            name = sweep_run_name(lr, bn)
            if name in runs:
                raise ValueError(f"config: sweep learning rates {lr!r} and another one give the same run name "
                                 f"{name!r} (equal to 7 significant digits); list each rate once")
            runs[name] = {**defaults, "backend": backend, "lr": lr, "batch_norm": bool(bn), "schedule": None}
    return runs


def split_sweep_run_name(run: str) -> tuple[str, str]:
    """``sweep_lr_<rate>_<plain|bn>`` -> (rate token, ``plain`` or ``bn``); the inverse of `sweep_run_name`."""
    if not run.startswith(SWEEP_PREFIX):
        raise ValueError(f"{run!r} is not a sweep run name ({SWEEP_PREFIX}<rate>_<plain|bn>)")
    rate, kind = run[len(SWEEP_PREFIX):].rsplit("_", 1)
    return rate, kind


def sweep_jobs(runs: Sequence[str]) -> dict[str, list[str]]:
    """The sweep's training jobs: rate token (``number_token``) -> its runs, one per batch-norm setting,
    in the order given. The runs of one rate share their initialisation and batch order and differ only
    in batch norm; training them in one process pays the job's start (its imports, PyTorch's above all)
    once per rate instead of once per run, and adding a rate still adds exactly one job."""
    jobs: dict[str, list[str]] = {}
    for run in runs:
        jobs.setdefault(split_sweep_run_name(run)[0], []).append(run)
    return jobs


def schedule_run_names(specs: Sequence[Mapping]) -> list[str]:
    """The run name of each schedule spec (see the module docstring)."""
    names = [spec["name"] for spec in specs]
    out = []
    for spec in specs:
        name = f"{SCHEDULE_PREFIX}{spec['name']}"
        if names.count(spec["name"]) > 1:
            params = sorted((k, v) for k, v in spec.items() if k != "name")
            name += "".join(f"_{k}{number_token(v)}" for k, v in params) or "_default"
        out.append(name)
    clashes = sorted({n for n in out if out.count(n) > 1})
    if clashes:
        raise ValueError(f"config: schedules.compare lists the same schedule more than once: {clashes}")
    return out


def schedule_runs(defaults: Mapping, schedules: Mapping) -> dict[str, dict]:
    """The compared schedules' runs, name -> full settings: ``defaults`` (on ``schedules["backend"]``
    if given) with each schedule of ``schedules["compare"]``, in the order listed."""
    specs = list(schedules.get("compare") or [])
    backend = schedules.get("backend") or defaults["backend"]
    return {name: {**defaults, "backend": backend, "schedule": dict(spec)}
            for name, spec in zip(schedule_run_names(specs), specs)}


# --- Cluster resources (the train rule's `resources:`, used by the SLURM profile) -----------------
# Sized from the runs on the local archive (results/benchmarks/train_*.tsv record each job's peak
# memory and wall time): the strong run (2 x 1024 units, ZCA, augmentation with its zero-padded copy
# of the training images) needs about twice the memory of the default MLP. Estimates are deliberately
# generous: a job that outgrows its request is killed by SLURM, one that asks too much only waits longer.
BASE_MEM_MB = 2500  # data splits in float32 (~0.7 GB), the uint8 cache, Python, NumPy/PyTorch
ZCA_MEM_MB = 1500  # covariance, eigenvectors and a whitened copy of the splits
CROP_MEM_MB = 1000  # random crops: a zero-padded copy of the training images (0.9 GB at 4 pixels, augment.PaddedImages)


def network_inputs(settings: Mapping, n_pixels: int = 3072) -> int:
    """Inputs of the network's first layer: the pixels, or with ``pca`` that many coordinates per image."""
    return settings.get("pca") or n_pixels


def parameter_count(settings: Mapping, n_inputs: int = 3072, n_classes: int = 10) -> int:
    """Trainable parameters of the MLP that ``settings`` (a run's settings or configuration)
    describes: weights and biases of every layer, and with ``batch_norm`` batch norm's scale and
    shift (2 per hidden unit). Without ``hidden`` the network has no hidden layer. With ``pca`` the
    first layer has that many inputs (the fixed projection has no trainable parameters)."""
    hidden = list(settings.get("hidden") or [])
    sizes = [network_inputs(settings, n_inputs), *hidden, n_classes]
    linear = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    return linear + (2 * sum(hidden) if settings.get("batch_norm") else 0)


def cluster_resources(settings: Mapping) -> dict:
    """What one training job asks a cluster for: memory (MB), wall time (minutes) and GPUs.

    Time: an epoch's estimate on one slow core (a term per million parameters plus a fixed overhead,
    the constants in the code below), times 5 as margin, at least 10 minutes. GPUs: one for PyTorch runs that name ``device: cuda``
    (``auto`` runs wherever the job lands; NumPy runs never use one).
    """
    millions = parameter_count(settings) / 1e6
    mem_mb = BASE_MEM_MB + (ZCA_MEM_MB if settings.get("zca") else 0)
    mem_mb += CROP_MEM_MB if (settings.get("augment") or {}).get("crop") else 0
    mem_mb += 32 * millions  # weights, gradients, momentum (float64 at most), spare
    seconds = settings["epochs"] * (2.0 * millions + 1.0)
    runtime = max(10, int(5 * seconds / 60) + 1)
    gpu = 1 if settings.get("backend") == "torch" and settings.get("device") == "cuda" else 0
    return {"mem_mb": int(mem_mb), "runtime": runtime, "gpu": gpu}


def job_resources(settings: Sequence[Mapping]) -> dict:
    """What a job that trains these runs one after another asks for: the most memory and GPUs of any
    of them, the sum of their wall times."""
    each = [cluster_resources(s) for s in settings]
    return {"mem_mb": max(r["mem_mb"] for r in each), "runtime": sum(r["runtime"] for r in each),
            "gpu": max(r["gpu"] for r in each)}
