"""The fused SGD update (issue 13): a linear layer's weight updated inside its gradient product
(BLAS gemm from NumPy's own OpenBLAS) equals the course path, gradient first and then step()."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_cifar.numpy_net import MLP, SGD, CrossEntropyModule
from mlp_cifar.numpy_net import blas
from mlp_cifar.numpy_net.loss import softmax_cross_entropy


@pytest.fixture(params=["openblas", "numpy fallback"])
def backend(request, monkeypatch):
    if request.param == "openblas":
        if not blas.available():
            pytest.skip("NumPy's OpenBLAS routines not found: only the fallback runs here")
    else:
        monkeypatch.setattr(blas, "_routines", lambda: None)
    return request.param


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-13)])
def test_gemm_at_b_and_axpy_match_numpy(backend, dtype, rtol):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 7)).astype(dtype), rng.standard_normal((32, 11)).astype(dtype)
    c = rng.standard_normal((7, 11)).astype(dtype)
    expected = 0.5 * c - 0.3 * (a.T @ b)
    blas.gemm_at_b(-0.3, a, b, 0.5, c)
    np.testing.assert_allclose(c, expected, rtol=rtol, atol=rtol)
    x, y = rng.standard_normal(50).astype(dtype), rng.standard_normal(50).astype(dtype)
    expected = y + 2.5 * x
    blas.axpy(2.5, x, y)
    np.testing.assert_allclose(y, expected, rtol=rtol, atol=rtol)


def test_non_contiguous_or_mixed_operands_take_the_numpy_path():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((32, 14))[:, ::2]  # not contiguous
    b, c = rng.standard_normal((32, 5)), rng.standard_normal((7, 5)).astype(np.float32)
    expected = c + (a.T @ b)
    blas.gemm_at_b(1.0, a, b, 1.0, c)
    np.testing.assert_allclose(c, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="do not fit"):
        blas.gemm_at_b(1.0, a, b, 1.0, np.zeros((5, 7)))


def course_step(model, opt, x, y):
    probs = model.forward(x)
    model.backward(CrossEntropyModule().backward(probs, y))
    opt.step()


def fused_step(model, opt, x, y):
    model.backward_logits(softmax_cross_entropy(model.logits(x), y)[1], sgd=opt)
    opt.step()


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.0, 5e-3), (0.9, 5e-3)])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_fused_steps_equal_the_course_steps_in_float64(backend, momentum, weight_decay, batch_norm):
    rng = np.random.default_rng(2)
    models = [MLP(20, [16, 12], 10, use_batch_norm=batch_norm, rng=np.random.default_rng(3), dtype=np.float64)
              for _ in range(2)]
    opts = [SGD(m.parametrised(), lr=0.1, momentum=momentum, weight_decay=weight_decay) for m in models]
    for _ in range(5):
        x, y = rng.standard_normal((8, 20)), rng.integers(0, 10, 8)
        course_step(models[0], opts[0], x, y)
        fused_step(models[1], opts[1], x, y)
    for ma, mb in zip(models[0].parametrised(), models[1].parametrised()):
        for key in ma.params:
            np.testing.assert_allclose(mb.params[key], ma.params[key], rtol=1e-12, atol=1e-14)


def test_step_still_updates_from_grads_alone():
    """The course template's way: fill grads, call step(); nothing fused is left over."""
    model = MLP(6, [4], 3, rng=np.random.default_rng(0), dtype=np.float64)
    opt = SGD(model.parametrised(), lr=0.5)
    before = [m.params["weight"].copy() for m in model.parametrised()]
    for m in model.parametrised():
        m.grads["weight"][...] = 1.0
        m.grads["bias"][...] = 0.0
    opt.step()
    for b, m in zip(before, model.parametrised()):
        np.testing.assert_allclose(m.params["weight"], b - 0.5)
