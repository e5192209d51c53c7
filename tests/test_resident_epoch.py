"""PyTorch on a GPU keeps the training split on the device and reads the losses back once per
epoch (issue 13, item 4). No GPU here: the same path is forced on the CPU, where it must give
exactly the documents of the stepwise path (given the same input coordinates: see rowwise_project)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_cifar.training import evaluation, torch_backend
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from mlp_cifar.training.torch_backend import TorchBackend
from learnable import learnable_splits
from test_training import strip_timings


@pytest.fixture(scope="module")
def splits():
    return learnable_splits()


@pytest.fixture
def resident_on_cpu(monkeypatch):
    monkeypatch.setattr(torch_backend, "keeps_data_on", lambda device: True)


def rowwise_project(x: np.ndarray, directions: np.ndarray | None) -> np.ndarray:
    """`evaluation.project`, one image at a time: an image's coordinates then do not depend on how many
    images are multiplied at once. BLAS may round a row of a 64-row product and of a 1024-row product
    differently (OpenBLAS's AMD Zen kernels do; its SkylakeX kernels happened not to)."""
    return x if directions is None else np.stack([row @ directions for row in x])


def train_both_ways(cfg, splits, monkeypatch):
    """(stepwise, resident) documents of the same run, timings stripped."""
    stepwise = train(cfg, splits, progress=False)
    with monkeypatch.context() as patch:
        patch.setattr(torch_backend, "keeps_data_on", lambda device: True)
        patch.setattr(TorchBackend, "train_step", lambda *a: pytest.fail("stepwise path taken"))
        resident = train(cfg, splits, progress=False)
    return strip_timings(stepwise), strip_timings(resident)


PCA = {"hidden": [32], "epochs": 2, "zca": 0.1, "pca": 64}


@pytest.mark.parametrize("settings", [
    {"hidden": [32], "epochs": 3},
    {"hidden": [32, 16], "batch_norm": True, "momentum": 0.9, "weight_decay": 5e-4, "epochs": 2},
    {"hidden": [32], "lr": 1e6, "epochs": 3},  # diverges
    PCA,  # the split is projected once, on its way to the device
])
def test_the_resident_path_gives_the_stepwise_documents(splits, monkeypatch, settings):
    for module in (torch_backend, evaluation):  # the same coordinates in both paths
        monkeypatch.setattr(module, "project", rowwise_project)
    cfg = RunConfig(backend="torch", batch_size=64, device="cpu", **settings)
    stepwise, resident = train_both_ways(cfg, splits, monkeypatch)
    assert resident == stepwise
    assert resident["diverged"] == (settings.get("lr") == 1e6)


def assert_close(actual, expected, where="document"):
    """Equal structure and integers; floats to float32 rounding grown over a short run (rel 1e-4)."""
    assert type(actual) is type(expected), where
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), where
        for key in expected:
            assert_close(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-4, abs=1e-7), where
    else:
        assert actual == expected, where


def test_with_the_real_projection_the_documents_agree_to_rounding(splits, monkeypatch):
    """Unpatched, the resident path projects the whole split in one product and the stepwise path
    each batch: the coordinates may differ in the last bit, the documents only by that rounding."""
    projected = []
    real_project = torch_backend.project
    monkeypatch.setattr(torch_backend, "project", lambda x, d: projected.append(len(x)) or real_project(x, d))
    cfg = RunConfig(backend="torch", batch_size=64, device="cpu", **PCA)
    stepwise, resident = train_both_ways(cfg, splits, monkeypatch)
    assert_close(resident, stepwise)
    n_train = len(splits.train.y)
    assert projected.count(n_train) == 1  # the resident path's one projection of the training split


def test_losses_are_read_back_once_per_epoch(splits, resident_on_cpu, monkeypatch):
    reads = []
    original = torch.Tensor.cpu

    def counted(self, *args, **kwargs):
        reads.append(tuple(self.shape))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "cpu", counted)
    monkeypatch.setattr(torch.Tensor, "item", lambda self: pytest.fail("a per-step read-back"))
    cfg = RunConfig(backend="torch", hidden=[16], batch_size=64, epochs=2, device="cpu")
    doc = train(cfg, splits, progress=False)
    n = doc["batches_per_epoch"]
    assert reads.count((n,)) == 2 * cfg.epochs  # losses and correct counts, once each per epoch
    assert len(doc["batch_losses"]) == n * cfg.epochs


def test_augmented_runs_keep_the_stepwise_path(splits, resident_on_cpu, monkeypatch):
    monkeypatch.setattr(TorchBackend, "resident_epoch", lambda *a, **k: pytest.fail("resident path taken"))
    cfg = RunConfig(backend="torch", hidden=[16], batch_size=64, epochs=1, device="cpu",
                    augment={"flip": True, "crop": 0})
    assert train(cfg, splits, progress=False)["epochs"]
