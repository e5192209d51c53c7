"""NumPy/PyTorch parity: both backends, one seed, one epoch in float64, compared batch by batch.

Both backends start from the same Kaiming initialisation (drawn from one NumPy
generator) and see the same batches in the same order, so in float64 they must
agree to rounding: every batch loss and, at the end of the epoch, every
parameter (and batch-norm running statistic) to a relative ``THRESHOLD``.

    doc = parity_report({"hidden": [128], "lr": 0.1, "batch_size": 128, "seed": 42, ...})
    doc["passed"], [case["max_rel_loss_diff"] for case in doc["cases"]]

``one_epoch`` walks exactly the trainer's path (``seeded_generators`` ->
``make_backend`` -> ``epoch_batches`` -> ``backend.train_step`` with the
trainer's gather), but keeps the backend so its parameters can be read at the
end; the tests check that its losses are those of ``mlp_cifar.training.loop.train``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

import numpy as np

from mlp_cifar.data.archive import N_CLASSES, PIXELS
from mlp_cifar.data.dataset import CifarSplits, Split, epoch_batches
from mlp_cifar.provenance import package_versions
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import make_backend, seeded_generators
from mlp_cifar.training.numpy_backend import NumpyBackend
from mlp_cifar.training.torch_backend import TorchBackend

THRESHOLD = 1e-9
# Settings of `defaults` that the parity check does not take over: it fixes these itself.
FIXED = {"dtype": "float64", "epochs": 1}

BackendFactory = Callable[[RunConfig, np.random.Generator], object]


def synthetic_splits(n_train: int = 4096, n_eval: int = 256, seed: int = 0, signal: float = 0.03) -> CifarSplits:
    """Float64 CIFAR-shaped data: each class a random mean image (scaled by ``signal``) plus unit noise.

    A weak signal keeps the loss well away from zero during the epoch, so relative
    differences of batch losses stay meaningful.
    """
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((N_CLASSES, PIXELS)) * signal

    def subset(n: int) -> Split:
        y = rng.integers(0, N_CLASSES, n)
        return Split(means[y] + rng.standard_normal((n, PIXELS)), y.astype(np.int64))

    return CifarSplits(train=subset(n_train), val=subset(n_eval), test=subset(n_eval),
                       archive_md5="synthetic", official=False)


def _layers(backend) -> list[tuple[str, object]]:
    """(kind, layer) of the layers with parameters, in forward order, for either backend."""
    if hasattr(backend.model, "parametrised"):  # NumPy MLP
        from mlp_cifar.numpy_net import BatchNormModule

        return [("batchnorm" if isinstance(m, BatchNormModule) else "linear", m)
                for m in backend.model.parametrised()]
    from torch import nn

    return [("batchnorm" if isinstance(m, nn.BatchNorm1d) else "linear", m)
            for m in backend.model.net if isinstance(m, (nn.Linear, nn.BatchNorm1d))]


def backend_parameters(backend) -> dict[str, np.ndarray]:
    """Every parameter and batch-norm running statistic as float64 arrays, named the same way for
    both backends: ``linear1.weight``, ``batchnorm1.running_var``, ... (layers counted per kind)."""
    out: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for kind, layer in _layers(backend):
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}{counts[kind]}"
        keys = ["weight", "bias"] + (["running_mean", "running_var"] if kind == "batchnorm" else [])
        for key in keys:
            if hasattr(layer, "params") and key in layer.params:
                value = layer.params[key]
            elif hasattr(layer, "params"):
                value = getattr(layer, key)
            else:
                value = getattr(layer, key).detach().cpu().numpy()
            out[f"{name}.{key}"] = np.array(value, dtype=np.float64)
    return out


def cancelled_biases(backend) -> set[str]:
    """Biases of linear layers followed by batch norm. The mean subtraction cancels them, so their
    gradient is zero and their value stays zero up to rounding noise of either sign."""
    layers = _layers(backend)
    names, counts = [], {}
    for kind, _ in layers:
        counts[kind] = counts.get(kind, 0) + 1
        names.append(f"{kind}{counts[kind]}")
    return {f"{name}.bias" for (kind, _), name, (nxt, _) in zip(layers, names, layers[1:])
            if kind == "linear" and nxt == "batchnorm"}


def one_epoch(cfg: RunConfig, splits: CifarSplits, make: BackendFactory = make_backend) -> dict:
    """The trainer's first epoch of ``cfg`` on ``splits``: batch losses, final parameters, backend device."""
    dtype = np.dtype(cfg.dtype)
    train_x = splits.train.x.astype(dtype, copy=False)
    init_rng, batch_rng = seeded_generators(cfg.seed)
    backend = make(cfg, init_rng)
    xb = np.empty((cfg.batch_size, train_x.shape[1]), dtype=dtype)
    losses = []
    for idx in epoch_batches(len(splits.train), cfg.batch_size, batch_rng):
        np.take(train_x, idx, axis=0, out=xb, mode="clip")
        loss, _ = backend.train_step(xb, splits.train.y[idx], cfg.lr)
        losses.append(float(loss))
    return {"losses": losses, "parameters": backend_parameters(backend), "cancelled": cancelled_biases(backend),
            "device": getattr(backend, "device", None)}


def relative_difference(a: np.ndarray, b: np.ndarray, scale: float | None = None) -> float:
    """max|a - b| / scale, where ``scale`` defaults to max(max|a|, max|b|); 0 when both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    diff = float(np.abs(a - b).max(initial=0.0))
    if scale is None:
        scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    if diff == 0.0:
        return 0.0
    return diff / scale if scale > 0 else float("inf")


def compare(cfg: RunConfig, splits: CifarSplits, make_numpy: BackendFactory = NumpyBackend,
            make_torch: BackendFactory = TorchBackend, threshold: float = THRESHOLD) -> dict:
    """One parity case: ``cfg`` trained one epoch by each backend; per-batch and per-tensor differences.

    Batch losses are compared one by one, ``|a - b| / max(|a|, |b|)``. A parameter tensor is
    compared as ``max|a - b| / max(max|a|, max|b|)``; a bias cancelled by batch norm (zero up to
    rounding) is measured against the largest weight of its layer instead of its own size.
    """
    numpy_cfg = dataclasses.replace(cfg, backend="numpy")
    torch_cfg = dataclasses.replace(cfg, backend="torch")
    ours = one_epoch(numpy_cfg, splits, make_numpy)
    theirs = one_epoch(torch_cfg, splits, make_torch)
    a, b = np.array(ours["losses"]), np.array(theirs["losses"])
    if a.shape != b.shape:
        raise ValueError(f"the backends ran {len(a)} and {len(b)} batches")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_batch = np.where(a == b, 0.0, np.abs(a - b) / np.maximum(np.abs(a), np.abs(b)))
    if set(ours["parameters"]) != set(theirs["parameters"]):
        raise ValueError(f"parameter names differ: {sorted(ours['parameters'])} vs {sorted(theirs['parameters'])}")
    tensors = []
    for name, pa in ours["parameters"].items():
        pb = theirs["parameters"][name]
        cancelled = name in ours["cancelled"]
        scale = None
        if cancelled:
            layer_weight = ours["parameters"][name.rsplit(".", 1)[0] + ".weight"]
            scale = float(np.abs(layer_weight).max())
        rel = relative_difference(pa, pb, scale)
        tensors.append({"name": name, "shape": list(pa.shape), "max_abs_value": float(np.abs(pb).max(initial=0.0)),
                        "max_abs_diff": float(np.abs(pa - pb).max(initial=0.0)), "max_rel_diff": rel,
                        "relative_to": "largest weight of the layer (bias cancelled by batch norm)" if cancelled
                        else "largest value of the tensor"})
    worst_batch = int(np.argmax(per_batch)) if len(per_batch) else None
    max_loss = float(per_batch.max()) if len(per_batch) else 0.0
    max_param = max((t["max_rel_diff"] for t in tensors), default=0.0)
    return {
        "batch_norm": cfg.batch_norm,
        "n_batches": len(a),
        "numpy_losses": ours["losses"],
        "torch_losses": theirs["losses"],
        "rel_loss_diffs": per_batch.tolist(),
        "max_rel_loss_diff": max_loss,
        "worst_batch": None if worst_batch is None else worst_batch + 1,
        "first_loss": float(a[0]) if len(a) else None,
        "last_loss": float(a[-1]) if len(a) else None,
        "parameters": tensors,
        "max_rel_param_diff": max_param,
        "devices": {"numpy": ours["device"], "torch": theirs["device"]},
        "passed": bool(np.isfinite(a).all() and np.isfinite(b).all() and max_loss <= threshold
                       and max_param <= threshold),
    }


def parity_settings(defaults: Mapping) -> dict:
    """The run settings of the parity check: ``defaults`` (minus backend and batch norm, which it varies)
    in float64 for one epoch."""
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    settings = {k: v for k, v in defaults.items() if k in fields and k not in ("backend", "batch_norm")}
    return {**settings, **FIXED}


def parity_report(defaults: Mapping, n_train: int = 4096, data_seed: int = 0, threads: int | None = None,
                  threshold: float = THRESHOLD) -> dict:
    """Both parity cases (without and with batch norm) for the model in ``defaults``; a JSON document."""
    settings = parity_settings(defaults)
    splits = synthetic_splits(n_train=n_train, seed=data_seed)
    cases = []
    for batch_norm in (False, True):
        cfg = RunConfig(**settings, batch_norm=batch_norm, threads=threads)
        if threads:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=threads):
                cases.append(compare(cfg, splits, threshold=threshold))
        else:
            cases.append(compare(cfg, splits, threshold=threshold))
    return {
        "threshold": threshold,
        "settings": settings,
        "data": {"kind": "synthetic", "n_train": n_train, "seed": data_seed,
                 "description": "class mean images plus unit Gaussian noise, float64"},
        "cases": cases,
        "passed": all(c["passed"] for c in cases),
        "versions": package_versions(),
    }


def write_parity(defaults: dict, parity: dict, out: str, threads: int) -> dict:
    """The workflow's parity job: the report above for `defaults`, written to ``out`` and summarised in the log."""
    import time

    from mlp_cifar.job import available_threads
    from mlp_cifar.provenance import made_here
    from mlp_cifar.results_cache import write_sealed_json

    start = time.perf_counter()
    doc = parity_report(defaults, n_train=parity["n_train"], data_seed=parity.get("data_seed", 0),
                        threads=available_threads(threads))
    # Its own time, for the report's table of cached results (a cached rule has no benchmark file).
    doc["seconds"] = round(time.perf_counter() - start, 3)
    doc = write_sealed_json(out, {**doc, "made": made_here()})  # a results cache entry (checksum checked)
    for case in doc["cases"]:
        print(f"batch_norm={case['batch_norm']}: {case['n_batches']} batches, max relative difference "
              f"of batch losses {case['max_rel_loss_diff']:.2e}, of parameters {case['max_rel_param_diff']:.2e}"
              f" -> {'pass' if case['passed'] else 'FAIL'} (threshold {doc['threshold']:g})")
    return doc
