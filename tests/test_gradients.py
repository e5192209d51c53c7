"""Gradient checks (central differences, float64) and value tests for the NumPy modules and SGD."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_cifar.numpy_net import (
    MLP,
    SGD,
    BatchNormModule,
    CrossEntropyModule,
    LinearModule,
    ReLUModule,
    SoftMaxModule,
)

try:
    from gradcheck import numerical_grad, rel_error
except ImportError:  # tests/ imported as a package
    from tests.gradcheck import numerical_grad, rel_error

TOL = 1e-6


def rng_for(*shape) -> np.random.Generator:
    """A generator seeded by the test's shape, so each parametrisation gets its own data."""
    return np.random.default_rng([12345, *shape])


def check_module(module, x: np.ndarray, R: np.ndarray, params=("weight", "bias")) -> None:
    """Objective L = sum(module.forward(x) * R): backward(R) must be dL/dx, grads must be dL/dparams."""
    module.forward(x)
    dx = module.backward(R)
    grads = {k: module.grads[k].copy() for k in params}

    def loss():
        return float(np.sum(module.forward(x) * R))

    assert dx.shape == x.shape
    assert rel_error(dx, numerical_grad(loss, x)) < TOL
    for k in params:
        assert grads[k].shape == module.params[k].shape
        assert rel_error(grads[k], numerical_grad(loss, module.params[k])) < TOL, k


# ---------------------------------------------------------------------------------------------
# Gradient checks per module
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch,n_in,n_out", [(1, 3, 4), (1, 1, 1), (2, 5, 3), (7, 4, 6)])
def test_linear_gradients(batch, n_in, n_out):
    rng = rng_for(batch, n_in, n_out)
    module = LinearModule(n_in, n_out, rng=rng, dtype=np.float64)
    module.params["bias"] = rng.standard_normal(n_out)
    x = rng.standard_normal((batch, n_in))
    R = rng.standard_normal((batch, n_out))
    check_module(module, x, R)


def away_from_zero(rng: np.random.Generator, shape, margin: float = 0.1) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(margin, 2.0, size=shape)


@pytest.mark.parametrize("batch,n", [(1, 5), (3, 4), (8, 10)])
def test_relu_gradients(batch, n):
    rng = rng_for(batch, n)
    x = away_from_zero(rng, (batch, n))
    R = rng.standard_normal((batch, n))
    check_module(ReLUModule(), x, R, params=())


@pytest.mark.parametrize("batch,n", [(1, 2), (1, 5), (3, 4), (8, 10)])
def test_softmax_gradients(batch, n):
    rng = rng_for(batch, n)
    x = 2 * rng.standard_normal((batch, n))
    R = rng.standard_normal((batch, n))
    check_module(SoftMaxModule(), x, R, params=())


@pytest.mark.parametrize("batch,n", [(1, 2), (1, 5), (4, 3), (9, 10)])
def test_cross_entropy_gradients(batch, n):
    rng = rng_for(batch, n)
    p = rng.uniform(0.1, 1.0, size=(batch, n))
    p /= p.sum(axis=1, keepdims=True)
    y = rng.integers(0, n, size=batch)
    module = CrossEntropyModule()
    dp = module.backward(p, y)
    assert dp.shape == p.shape
    assert rel_error(dp, numerical_grad(lambda: module.forward(p, y), p)) < TOL


@pytest.mark.parametrize("batch,n", [(2, 3), (5, 4), (16, 6)])
def test_batchnorm_training_gradients(batch, n):
    rng = rng_for(batch, n)
    module = BatchNormModule(n, dtype=np.float64)
    module.params["weight"] = rng.uniform(0.5, 2.0, size=n)
    module.params["bias"] = rng.standard_normal(n)
    # With two examples x_hat is +-1 up to eps, so dL/dx ~ eps / spread^3: for an O(1) spread it is
    # ~1e-5 and its rel. error would only measure rounding; a small spread makes it large again.
    spread = 0.01 if batch == 2 else 2.0
    x = 3.0 + spread * rng.standard_normal((batch, n))
    R = rng.standard_normal((batch, n))
    assert module.training
    check_module(module, x, R)


@pytest.mark.parametrize("batch,n", [(1, 3), (4, 5), (10, 2)])
def test_batchnorm_eval_gradients(batch, n):
    rng = rng_for(batch, n)
    module = BatchNormModule(n, dtype=np.float64)
    module.params["weight"] = rng.uniform(0.5, 2.0, size=n)
    module.params["bias"] = rng.standard_normal(n)
    module.running_mean = rng.standard_normal(n)
    module.running_var = rng.uniform(0.5, 2.0, size=n)
    module.training = False
    x = rng.standard_normal((batch, n))
    R = rng.standard_normal((batch, n))
    check_module(module, x, R)


def test_batchnorm_training_needs_two_examples():
    module = BatchNormModule(3, dtype=np.float64)
    with pytest.raises(ValueError):
        module.forward(np.ones((1, 3)))
    module.training = False
    assert module.forward(np.ones((1, 3))).shape == (1, 3)  # evaluation is fine with one example


# ---------------------------------------------------------------------------------------------
# Whole network
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_hidden,use_bn,batch", [
    ([], False, 1),
    ([], False, 5),
    ([6], False, 1),
    ([6, 5], False, 4),
    ([6, 5], True, 4),
    ([7], True, 2),
])
def test_mlp_backward_matches_numerical_gradient(n_hidden, use_bn, batch):
    n_inputs, n_classes = 5, 3
    rng = np.random.default_rng([7, len(n_hidden), int(use_bn), batch])
    mlp = MLP(n_inputs, n_hidden, n_classes, use_batch_norm=use_bn, rng=rng, dtype=np.float64)
    for module in mlp.parametrised():  # move away from the zero biases / unit scales of the init
        for key, value in module.params.items():
            value += 0.3 * rng.standard_normal(value.shape)
    x = rng.standard_normal((batch, n_inputs))
    y = rng.integers(0, n_classes, size=batch)
    ce = CrossEntropyModule()

    probs = mlp.forward(x)
    mlp.backward(ce.backward(probs, y))
    analytic = [{k: m.grads[k].copy() for k in m.params} for m in mlp.parametrised()]

    def loss():
        return ce.forward(mlp.forward(x), y)

    # A Linear bias right before a training-mode BatchNorm is cancelled by the mean subtraction:
    # its true gradient is exactly 0, so a relative error would compare rounding noise with noise.
    before_bn = {id(m) for m, nxt in zip(mlp.modules, mlp.modules[1:])
                 if isinstance(m, LinearModule) and isinstance(nxt, BatchNormModule)}
    n_checked = 0
    for module, grads in zip(mlp.parametrised(), analytic):
        for key, param in module.params.items():
            numerical = numerical_grad(loss, param)
            if key == "bias" and id(module) in before_bn:
                assert np.abs(grads[key]).max() < 1e-12 and np.abs(numerical).max() < 1e-8
            else:
                assert rel_error(grads[key], numerical) < TOL, (type(module).__name__, key)
            n_checked += 1
    expected_linear = len(n_hidden) + 1
    assert n_checked == 2 * (expected_linear + (len(n_hidden) if use_bn else 0))


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

def test_softmax_rows_sum_to_one_and_shift_invariance():
    rng = np.random.default_rng(0)
    x = 3 * rng.standard_normal((6, 10))
    p = SoftMaxModule().forward(x.copy())
    assert np.all(p > 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    shifted = SoftMaxModule().forward(x + rng.standard_normal((6, 1)) * 100)
    np.testing.assert_allclose(shifted, p, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(p, torch.softmax(torch.from_numpy(x), dim=1).numpy(), rtol=1e-12)


def test_softmax_stable_for_huge_logits():
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 0.0], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        p = SoftMaxModule().forward(x)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    x32 = x.astype(np.float32)
    p32 = SoftMaxModule().forward(x32)
    assert p32.dtype == np.float32 and np.all(np.isfinite(p32))


def test_softmax_does_not_modify_its_input():
    x = np.array([[1.0, 2.0, 3.0]])
    SoftMaxModule().forward(x)
    np.testing.assert_array_equal(x, [[1.0, 2.0, 3.0]])


def test_cross_entropy_value():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 1.0, size=(7, 4))
    p /= p.sum(axis=1, keepdims=True)
    y = rng.integers(0, 4, size=7)
    expected = -np.mean(np.log(p[np.arange(7), y]))
    assert CrossEntropyModule().forward(p, y) == pytest.approx(expected, rel=1e-14)
    # Same as torch's NLL of the log-probabilities.
    torch_loss = torch.nn.functional.nll_loss(torch.log(torch.from_numpy(p)), torch.from_numpy(y))
    assert CrossEntropyModule().forward(p, y) == pytest.approx(torch_loss.item(), rel=1e-12)


def test_linear_forward_value():
    rng = np.random.default_rng(2)
    module = LinearModule(4, 3, rng=rng, dtype=np.float64)
    assert module.params["weight"].shape == (3, 4) and module.params["bias"].shape == (3,)
    module.params["bias"] = rng.standard_normal(3)
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(module.forward(x), x @ module.params["weight"].T + module.params["bias"],
                               rtol=1e-14)


def test_relu_forward_value():
    x = np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]])
    out = ReLUModule().forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0, 0.5, 3.0]])
    relu = ReLUModule()
    relu.forward(x)
    np.testing.assert_array_equal(relu.backward(np.ones_like(x)), [[0, 0, 0, 1, 1]])


def test_batchnorm_running_stats_match_torch():
    rng = np.random.default_rng(3)
    n = 5
    module = BatchNormModule(n, momentum=0.1, eps=1e-5, dtype=np.float64)
    module.params["weight"] = rng.uniform(0.5, 2.0, size=n)
    module.params["bias"] = rng.standard_normal(n)
    ref = torch.nn.BatchNorm1d(n, momentum=0.1, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(module.params["weight"]))
        ref.bias.copy_(torch.from_numpy(module.params["bias"]))
    ref.train()
    for batch in (8, 2, 5, 16):
        x = 2.0 + 3.0 * rng.standard_normal((batch, n))
        out = module.forward(x)
        out_ref = ref(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(out, out_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.running_mean, ref.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(module.running_var, ref.running_var.numpy(), rtol=1e-12)

    # Evaluation uses the running statistics (no update, any batch size).
    module.training = False
    ref.eval()
    mean_before, var_before = module.running_mean.copy(), module.running_var.copy()
    x = rng.standard_normal((3, n))
    out = module.forward(x)
    expected = (x - mean_before) / np.sqrt(var_before + 1e-5) * module.params["weight"] + module.params["bias"]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(out, ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(module.running_mean, mean_before)
    np.testing.assert_array_equal(module.running_var, var_before)
    np.testing.assert_allclose(module.forward(x[:1]), expected[:1], rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# SGD
# ---------------------------------------------------------------------------------------------

class _Params:
    """Minimal module: params and grads dicts."""

    def __init__(self, rng: np.random.Generator):
        self.params = {"weight": rng.standard_normal((3, 4)), "bias": rng.standard_normal(3)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}


def test_sgd_plain_step():
    rng = np.random.default_rng(4)
    module = _Params(rng)
    before = {k: v.copy() for k, v in module.params.items()}
    for k, v in module.params.items():
        module.grads[k] = rng.standard_normal(v.shape)
    weight_obj = module.params["weight"]
    SGD([module], lr=0.05).step()
    for k in before:
        np.testing.assert_allclose(module.params[k], before[k] - 0.05 * module.grads[k], rtol=1e-15)
    assert module.params["weight"] is weight_obj  # updated in place


@pytest.mark.parametrize("momentum,weight_decay", [(0.9, 5e-4), (0.0, 1e-2), (0.5, 0.0)])
def test_sgd_matches_torch(momentum, weight_decay):
    rng = np.random.default_rng(5)
    modules = [_Params(rng), _Params(rng)]
    tparams = [torch.tensor(m.params[k].copy(), requires_grad=True) for m in modules for k in ("weight", "bias")]
    opt = SGD(modules, lr=0.1, momentum=momentum, weight_decay=weight_decay)
    topt = torch.optim.SGD(tparams, lr=0.1, momentum=momentum, weight_decay=weight_decay)
    for _ in range(5):
        grads = [rng.standard_normal(p.shape) for p in tparams]
        it = iter(grads)
        for m in modules:
            for k in ("weight", "bias"):
                m.grads[k] = next(it)
        for p, g in zip(tparams, grads):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    ours = [m.params[k] for m in modules for k in ("weight", "bias")]
    for a, b in zip(ours, tparams):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_sgd_rejects_negative_lr():
    with pytest.raises(ValueError):
        SGD([], lr=-1.0)
