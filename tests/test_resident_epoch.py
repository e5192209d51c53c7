"""PyTorch on a GPU keeps the training split on the device and reads the losses back once per
epoch (issue 13, item 4). No GPU here: the same path is forced on the CPU, where it must give
exactly the documents of the stepwise path."""

from __future__ import annotations

import pytest
import torch

import mlp_cifar.training as training
from mlp_cifar.training import RunConfig, TorchBackend, train
from learnable import learnable_splits
from test_training import strip_timings


@pytest.fixture(scope="module")
def splits():
    return learnable_splits()


@pytest.fixture
def resident_on_cpu(monkeypatch):
    monkeypatch.setattr(training, "keeps_data_on", lambda device: True)


@pytest.mark.parametrize("settings", [
    {"hidden": [32], "epochs": 3},
    {"hidden": [32, 16], "batch_norm": True, "momentum": 0.9, "weight_decay": 5e-4, "epochs": 2},
    {"hidden": [32], "lr": 1e6, "epochs": 3},  # diverges
    {"hidden": [32], "epochs": 2, "zca": 0.1, "pca": 64},  # the split is projected once, on its way to the device
])
def test_the_resident_path_gives_the_stepwise_documents(splits, monkeypatch, settings):
    cfg = RunConfig(backend="torch", batch_size=64, device="cpu", **settings)
    stepwise = train(cfg, splits, progress=False)
    monkeypatch.setattr(training, "keeps_data_on", lambda device: True)
    monkeypatch.setattr(TorchBackend, "train_step", lambda *a: pytest.fail("stepwise path taken"))
    resident = train(cfg, splits, progress=False)
    assert strip_timings(resident) == strip_timings(stepwise)
    assert resident["diverged"] == (settings.get("lr") == 1e6)


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
