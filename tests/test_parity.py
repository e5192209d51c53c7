"""NumPy/PyTorch parity through the trainer (float64, synthetic data): a full epoch, without and with
batch norm, per-batch losses equal to a relative 1e-9 and equal parameters at the end of the epoch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mlp_cifar.parity import (THRESHOLD, backend_parameters, compare, one_epoch, parity_report, parity_settings,
                              synthetic_splits)
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import make_backend, seeded_generators, train
from mlp_cifar.training.numpy_backend import NumpyBackend
from mlp_cifar.training.torch_backend import TorchBackend

# The assignment's model (3072 -> 128 -> 10, SGD lr 0.1, batch 128) for one epoch of 24 batches.
CFG = RunConfig(hidden=[128], lr=0.1, batch_size=128, epochs=1, dtype="float64", seed=42, device="cpu")


@pytest.fixture(scope="module")
def splits():
    return synthetic_splits(n_train=3072, n_eval=64, seed=0)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "batchnorm"])
def case(request, splits):
    return compare(dataclasses.replace(CFG, batch_norm=request.param), splits)


def test_a_full_epoch_gives_equal_batch_losses(case):
    assert case["n_batches"] == 3072 // 128
    np.testing.assert_allclose(case["numpy_losses"], case["torch_losses"], rtol=THRESHOLD, atol=0)
    assert case["max_rel_loss_diff"] <= THRESHOLD
    # The network learns during the epoch: the check covers a moving trajectory, not a fixed point.
    assert case["last_loss"] < case["first_loss"] - 0.2


def test_parameters_are_equal_at_the_end_of_the_epoch(case):
    names = [t["name"] for t in case["parameters"]]
    expected = ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    if case["batch_norm"]:
        expected[2:2] = [f"batchnorm1.{k}" for k in ("weight", "bias", "running_mean", "running_var")]
    assert names == expected
    for t in case["parameters"]:
        assert t["max_rel_diff"] <= THRESHOLD, t
    assert case["max_rel_param_diff"] <= THRESHOLD
    assert case["passed"] is True


def test_parameters_moved_and_match_elementwise(splits):
    """Direct check on the arrays, independent of the report's relative-difference measure."""
    cfg = dataclasses.replace(CFG, batch_norm=True)
    ours = one_epoch(dataclasses.replace(cfg, backend="numpy"), splits)
    theirs = one_epoch(dataclasses.replace(cfg, backend="torch"), splits)
    init = backend_parameters(make_backend(dataclasses.replace(cfg, backend="numpy"), seeded_generators(42)[0]))
    for name, value in ours["parameters"].items():
        if name in ours["cancelled"]:  # zero up to rounding in both: compared absolutely
            assert np.abs(value).max() < 1e-14 and np.abs(theirs["parameters"][name]).max() < 1e-14
            continue
        assert not np.array_equal(value, init[name]), f"{name} did not change during the epoch"
        np.testing.assert_allclose(value, theirs["parameters"][name], rtol=1e-9, atol=1e-14, err_msg=name)
    assert ours["cancelled"] == {"linear1.bias"}


def test_one_epoch_walks_the_trainers_path(splits):
    """The parity epoch's losses are exactly those of mlp_cifar.training.train for the same run."""
    for backend in ("numpy", "torch"):
        cfg = dataclasses.replace(CFG, backend=backend, hidden=[16])
        doc = train(cfg, splits, progress=False)
        assert one_epoch(cfg, splits)["losses"] == doc["batch_losses"]


# ---------------------------------------------------------------------------------------------
# The check can fail: a backend that is off by a little is caught.
# ---------------------------------------------------------------------------------------------


class _SlightlyFastTorch(TorchBackend):
    """Learning rate 1e-6 too large: a real but tiny bug (e.g. a mis-scaled update)."""

    def train_step(self, x, y, lr):
        return super().train_step(x, y, lr * (1 + 1e-6))


class _BiasedNumpyBN(NumpyBackend):
    """Batch norm with a wrong epsilon (1e-5 -> 1.1e-5): every batch-normalised output is slightly off."""

    def __init__(self, cfg, rng):
        super().__init__(cfg, rng)
        for module in self.model.modules:
            if hasattr(module, "eps"):
                module.eps = 1.1e-5


def test_a_perturbed_update_is_caught(splits):
    case = compare(CFG, splits, make_torch=lambda cfg, rng: _SlightlyFastTorch(cfg, rng))
    assert case["rel_loss_diffs"][0] <= THRESHOLD  # the first loss is computed before any update
    assert case["max_rel_loss_diff"] > 10 * THRESHOLD
    assert case["max_rel_param_diff"] > 10 * THRESHOLD
    assert case["passed"] is False


def test_a_wrong_batch_norm_epsilon_is_caught(splits):
    cfg = dataclasses.replace(CFG, batch_norm=True)
    case = compare(cfg, splits, make_numpy=lambda cfg, rng: _BiasedNumpyBN(cfg, rng))
    assert case["rel_loss_diffs"][0] > THRESHOLD  # visible from the first batch on
    assert case["passed"] is False


def test_parity_report_document(splits):
    defaults = {"backend": "numpy", "hidden": [8], "batch_norm": False, "lr": 0.1, "batch_size": 64, "epochs": 10,
                "momentum": 0.9, "weight_decay": 1e-4, "seed": 3, "dtype": "float32", "device": "cpu"}
    assert parity_settings(defaults) == {"hidden": [8], "lr": 0.1, "batch_size": 64, "epochs": 1, "momentum": 0.9,
                                         "weight_decay": 1e-4, "seed": 3, "dtype": "float64", "device": "cpu"}
    doc = parity_report(defaults, n_train=512, threads=1)
    assert [c["batch_norm"] for c in doc["cases"]] == [False, True]
    assert all(c["n_batches"] == 8 for c in doc["cases"])
    assert doc["passed"] is True and doc["threshold"] == THRESHOLD
    assert doc["data"]["n_train"] == 512 and doc["settings"]["momentum"] == 0.9
    import json

    json.dumps(doc, allow_nan=False)
