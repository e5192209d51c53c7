import json
import math

import numpy as np
import pytest

from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from learnable import learnable_splits

# Times, and where and when a workflow job made the document (with its checksum): not results.
TIMING_KEYS = {"whiten_seconds", "train_seconds", "eval_seconds", "total_seconds", "made", "checksum"}


def strip_timings(doc):
    if isinstance(doc, dict):
        return {k: strip_timings(v) for k, v in doc.items() if k not in TIMING_KEYS}
    if isinstance(doc, list):
        return [strip_timings(v) for v in doc]
    return doc


@pytest.fixture(scope="module")
def splits():
    return learnable_splits()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_same_seed_gives_identical_documents(splits, backend):
    cfg = RunConfig(backend=backend, hidden=[32], epochs=3, batch_size=64)
    a = train(cfg, splits, progress=False)
    b = train(cfg, splits, progress=False)
    assert strip_timings(a) == strip_timings(b)
    c = train(RunConfig(backend=backend, hidden=[32], epochs=3, batch_size=64, seed=7), splits, progress=False)
    assert c["batch_losses"] != a["batch_losses"]


def test_document_contents(splits):
    cfg = RunConfig(hidden=[32], epochs=4, batch_size=100)
    doc = train(cfg, splits, progress=False)
    json.dumps(doc, allow_nan=False)  # valid strict JSON
    assert doc["batches_per_epoch"] == 1024 // 100  # last incomplete batch dropped
    assert len(doc["batch_losses"]) == 4 * doc["batches_per_epoch"]
    assert [e["epoch"] for e in doc["epochs"]] == [1, 2, 3, 4]
    vals = [e["val_accuracy"] for e in doc["epochs"]]
    assert doc["best_epoch"] == int(np.argmax(vals)) + 1
    assert doc["best_val_accuracy"] == max(vals)
    assert not doc["diverged"] and doc["diverged_at"] is None
    assert doc["test_accuracy"] > 0.5  # learnable signal: far above the 0.1 of chance
    assert doc["config"]["lr"] == 0.1 and doc["seed"] == 42
    assert doc["versions"]["numpy"] == np.__version__
    assert doc["epochs"][0]["train_loss"] > doc["epochs"][-1]["train_loss"]


def test_test_accuracy_is_that_of_the_best_validation_model(splits):
    """Gradient ascent in the third epoch wrecks the model; the test accuracy must still be the best one's."""
    cfg = RunConfig(hidden=[32], epochs=3, batch_size=64)
    doc = train(cfg, splits, lr_at_epoch=lambda e: [0.1, 0.1, -0.5][e], progress=False)
    assert not doc["diverged"]
    assert doc["epochs"][2]["val_accuracy"] < 0.5 < doc["best_val_accuracy"]
    assert doc["best_epoch"] in (1, 2)
    # The first two epochs are identical to a two-epoch run, whose best model is the same one.
    two = train(RunConfig(hidden=[32], epochs=2, batch_size=64), splits, progress=False)
    assert two["best_epoch"] == doc["best_epoch"]
    assert doc["test_accuracy"] == two["test_accuracy"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_divergence_is_recorded_not_raised(splits, backend):
    cfg = RunConfig(backend=backend, hidden=[32], epochs=3, batch_size=64, lr=1e6)
    doc = train(cfg, splits, progress=False)
    assert doc["diverged"] is True
    assert doc["diverged_at"]["epoch"] >= 1
    assert doc["batch_losses"][-1] is None
    assert all(v is None or math.isfinite(v) for v in doc["batch_losses"])
    json.dumps(doc, allow_nan=False)


@pytest.mark.parametrize("field,value", [("lr", -0.1), ("batch_size", 0), ("epochs", 0), ("backend", "jax"),
                                         ("dtype", "float16"), ("hidden", [0]), ("device", "tpu")])
def test_bad_configuration_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        RunConfig(**{field: value})


def test_numpy_and_torch_start_identically_and_stay_close(splits):
    """Same seed: identical initial weights and batch order, so the first losses agree to float32 rounding."""
    a = train(RunConfig(backend="numpy", hidden=[32], epochs=1, batch_size=64), splits, progress=False)
    b = train(RunConfig(backend="torch", hidden=[32], epochs=1, batch_size=64), splits, progress=False)
    np.testing.assert_allclose(a["batch_losses"][:5], b["batch_losses"][:5], rtol=1e-4)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_document_records_device_and_threads(splits, backend):
    import torch

    doc = train(RunConfig(backend=backend, hidden=[8], epochs=1, batch_size=256, threads=1), splits, progress=False)
    expected = "cuda" if backend == "torch" and torch.cuda.is_available() else "cpu"
    assert doc["device"] == expected and doc["config"]["device"] == "auto"
    assert doc["threads"] == 1  # BLAS threads (numpy) or torch intra-op threads, as limited


def test_torch_device_choice(monkeypatch):
    import torch

    from mlp_cifar.training.device import torch_device

    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", "")  # recorded, so that teardown restores the original state
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG")
    assert torch_device("cpu") == "cpu"
    assert "CUBLAS_WORKSPACE_CONFIG" not in __import__("os").environ  # CPU runs leave CUDA alone
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert torch_device("auto") == "cpu"
    with pytest.raises(RuntimeError, match="cuda"):
        torch_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert torch_device("auto") == "cuda" and torch_device("cuda") == "cuda"
    # Set before CUDA initialises: cuBLAS is deterministic only with a fixed workspace.
    assert __import__("os").environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    with pytest.raises(ValueError, match="device"):
        torch_device("gpu")
