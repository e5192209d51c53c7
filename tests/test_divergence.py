"""A run diverges when its parameters blow up, not when one probability underflows (issue 12, case 2).

The course template's SoftMaxModule -> CrossEntropyModule takes -log of a probability, which is
infinite as soon as one example's true-class probability underflows to 0 in float32; the trainer
takes the loss from the logits instead (mlp_cifar.numpy_net.loss)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlp_cifar.data.dataset import CifarSplits, Split
from mlp_cifar.numpy_net import MLP, CrossEntropyModule, SoftMaxModule
from mlp_cifar.numpy_net.loss import softmax_cross_entropy
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from learnable import learnable_splits


def test_loss_and_gradient_equal_the_course_modules_and_torch():
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((16, 10)) * 3, rng.integers(0, 10, 16)
    loss, grad = softmax_cross_entropy(logits, y)
    probs = SoftMaxModule().forward(logits.copy())
    soft = SoftMaxModule()
    soft.forward(logits.copy())
    assert loss == pytest.approx(CrossEntropyModule().forward(probs, y), rel=1e-12)
    np.testing.assert_allclose(grad, soft.backward(CrossEntropyModule().backward(probs, y)), rtol=1e-10, atol=1e-15)
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert loss == pytest.approx(float(ref.detach()), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_a_large_logit_gap_gives_a_large_finite_loss_in_float32():
    logits = np.zeros((4, 10), dtype=np.float32)
    logits[0, 3] = 150.0  # example 0 is sure of class 3, but its label is 5
    y = np.array([5, 0, 0, 0])
    with np.errstate(divide="ignore"):
        assert math.isinf(CrossEntropyModule().forward(SoftMaxModule().forward(logits.copy()), y))
    loss, grad = softmax_cross_entropy(logits, y)
    expected = float(torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)))
    assert math.isfinite(loss) and loss == pytest.approx(expected, rel=1e-5)
    assert np.isfinite(grad).all()
    with np.errstate(invalid="ignore"):  # blown-up logits: the loss says so
        assert math.isnan(softmax_cross_entropy(np.full((2, 10), np.inf, np.float32), np.array([0, 1]))[0])


def test_backward_from_the_logits_gives_the_course_gradients():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 20)), rng.integers(0, 10, 8)
    a = MLP(20, [16], 10, use_batch_norm=True, rng=np.random.default_rng(2), dtype=np.float64)
    b = MLP(20, [16], 10, use_batch_norm=True, rng=np.random.default_rng(2), dtype=np.float64)
    probs = a.forward(x)
    a.backward(CrossEntropyModule().backward(probs, y))
    b.backward_logits(softmax_cross_entropy(b.logits(x), y)[1])
    for ma, mb in zip(a.parametrised(), b.parametrised()):
        for name in ma.grads:
            np.testing.assert_allclose(mb.grads[name], ma.grads[name], rtol=1e-9, atol=1e-12)


def loud_splits() -> CifarSplits:
    """Learnable data at 30x the scale: logistic regression at lr 0.1 soon has logit gaps past 100."""
    base = learnable_splits(n_train=2048)
    loud = [Split((s.x * 30).astype(np.float32), s.y) for s in (base.train, base.val, base.test)]
    return CifarSplits(*loud, archive_md5="synthetic", official=False)


def test_float32_logistic_regression_with_huge_logits_trains_like_torch():
    splits = loud_splits()
    docs = {backend: train(RunConfig(backend=backend, hidden=[], lr=0.1, epochs=2, batch_size=64), splits,
                           progress=False)
            for backend in ("numpy", "torch")}
    for doc in docs.values():
        assert not doc["diverged"] and doc["test_accuracy"] is not None
    assert max(docs["numpy"]["batch_losses"]) > 50  # the gaps really are large
    np.testing.assert_allclose(docs["numpy"]["batch_losses"][:10], docs["torch"]["batch_losses"][:10], rtol=1e-3)
    assert docs["numpy"]["test_accuracy"] == pytest.approx(docs["torch"]["test_accuracy"], abs=0.05)


def test_blown_up_parameters_still_diverge():
    doc = train(RunConfig(hidden=[32], lr=1e6, epochs=2, batch_size=64), learnable_splits(), progress=False)
    assert doc["diverged"] and doc["batch_losses"][-1] is None
