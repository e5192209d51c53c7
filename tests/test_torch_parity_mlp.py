"""The NumPy MLP against its PyTorch twin (float64): same initial point, loss and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mlp_cifar.numpy_net import MLP, SGD, BatchNormModule, CrossEntropyModule, LinearModule, ReLUModule
from mlp_cifar.torch_net import TorchMLP

try:
    from gradcheck import numerical_grad, rel_error
except ImportError:  # tests/ imported as a package
    from tests.gradcheck import numerical_grad, rel_error

N_INPUTS, N_HIDDEN, N_CLASSES, BATCH = 20, [12, 10], 10, 16
TOL = 1e-8


def make_pair(use_bn: bool, seed: int = 0):
    mlp = MLP(N_INPUTS, N_HIDDEN, N_CLASSES, use_batch_norm=use_bn,
              rng=np.random.default_rng(seed), dtype=np.float64)
    tmlp = TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES, use_batch_norm=use_bn,
                    rng=np.random.default_rng(seed), dtype=torch.float64)
    return mlp, tmlp


def paired_layers(mlp: MLP, tmlp: TorchMLP) -> list[tuple[object, nn.Module]]:
    """NumPy parametrised modules and torch layers with parameters, both in forward order."""
    torch_layers = [layer for layer in tmlp.net if isinstance(layer, (nn.Linear, nn.BatchNorm1d))]
    ours = mlp.parametrised()
    assert len(ours) == len(torch_layers)
    kinds = {LinearModule: nn.Linear, BatchNormModule: nn.BatchNorm1d}
    for module, layer in zip(ours, torch_layers):
        assert isinstance(layer, kinds[type(module)])
    return list(zip(ours, torch_layers))


def cancelled_biases(mlp: MLP) -> set[int]:
    """ids of Linear modules followed by a BatchNorm: in training mode the mean subtraction cancels
    their bias, whose gradient is then exactly zero (numerically: rounding noise of either sign)."""
    return {id(m) for m, nxt in zip(mlp.modules, mlp.modules[1:])
            if isinstance(m, LinearModule) and isinstance(nxt, BatchNormModule)}


def batch(seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((BATCH, N_INPUTS)), rng.integers(0, N_CLASSES, size=BATCH)


def loss_and_grads(mlp: MLP, tmlp: TorchMLP, x: np.ndarray, y: np.ndarray):
    """One forward/backward on both; returns (numpy loss, torch loss)."""
    ce = CrossEntropyModule()
    probs = mlp.forward(x)
    loss = ce.forward(probs, y)
    mlp.backward(ce.backward(probs, y))

    tmlp.zero_grad()
    tloss = nn.CrossEntropyLoss()(tmlp(torch.from_numpy(x)), torch.from_numpy(y))
    tloss.backward()
    return loss, tloss.item()


@pytest.mark.parametrize("use_bn", [False, True])
def test_identical_initial_weights(use_bn):
    mlp, tmlp = make_pair(use_bn)
    pairs = paired_layers(mlp, tmlp)
    assert len(pairs) == (len(N_HIDDEN) + 1) + (len(N_HIDDEN) if use_bn else 0)
    for module, layer in pairs:
        for key in ("weight", "bias"):
            np.testing.assert_array_equal(module.params[key], getattr(layer, key).detach().numpy())
        if isinstance(module, BatchNormModule):
            np.testing.assert_array_equal(module.running_mean, layer.running_mean.numpy())
            np.testing.assert_array_equal(module.running_var, layer.running_var.numpy())
            assert (module.momentum, module.eps) == (layer.momentum, layer.eps)


@pytest.mark.parametrize("use_bn", [False, True])
def test_loss_and_gradients_match_torch(use_bn):
    mlp, tmlp = make_pair(use_bn)
    tmlp.train()
    x, y = batch()
    loss, tloss = loss_and_grads(mlp, tmlp, x, y)
    assert rel_error(np.array(loss), np.array(tloss)) < TOL

    cancelled = cancelled_biases(mlp)
    assert len(cancelled) == (len(N_HIDDEN) if use_bn else 0)
    for module, layer in paired_layers(mlp, tmlp):
        for key in ("weight", "bias"):
            tgrad = getattr(layer, key).grad.numpy()
            if key == "bias" and id(module) in cancelled:
                assert np.abs(module.grads[key]).max() < 1e-14 and np.abs(tgrad).max() < 1e-14
                continue
            assert rel_error(module.grads[key], tgrad) < TOL, (type(module).__name__, key)
        if isinstance(module, BatchNormModule):
            np.testing.assert_allclose(module.running_mean, layer.running_mean.numpy(), rtol=1e-12)
            np.testing.assert_allclose(module.running_var, layer.running_var.numpy(), rtol=1e-12)


@pytest.mark.parametrize("use_bn", [False, True])
def test_eval_mode_matches_torch(use_bn):
    mlp, tmlp = make_pair(use_bn)
    x, y = batch()
    loss_and_grads(mlp, tmlp, x, y)  # one training forward moves the running statistics
    mlp.eval()
    tmlp.eval()
    x_test, _ = batch(seed=2)
    probs = mlp.forward(x_test[:3])
    tprobs = torch.softmax(tmlp(torch.from_numpy(x_test[:3])), dim=1).detach().numpy()
    assert rel_error(probs, tprobs) < TOL


@pytest.mark.parametrize("use_bn", [False, True])
def test_a_few_sgd_steps_match_torch(use_bn):
    mlp, tmlp = make_pair(use_bn)
    opt = SGD(mlp.parametrised(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    topt = torch.optim.SGD(tmlp.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    for step in range(3):
        x, y = batch(seed=10 + step)
        loss, tloss = loss_and_grads(mlp, tmlp, x, y)
        assert rel_error(np.array(loss), np.array(tloss)) < TOL
        opt.step()
        topt.step()
    cancelled = cancelled_biases(mlp)
    for module, layer in paired_layers(mlp, tmlp):
        for key in ("weight", "bias"):
            ours, theirs = module.params[key], getattr(layer, key).detach().numpy()
            if key == "bias" and id(module) in cancelled:  # zero plus accumulated rounding noise
                assert np.abs(ours).max() < 1e-14 and np.abs(theirs).max() < 1e-14
            else:
                assert rel_error(ours, theirs) < TOL, (type(module).__name__, key)


# ---------------------------------------------------------------------------------------------
# The checks can fail: a gradient off by 1 % is reported.
# ---------------------------------------------------------------------------------------------

def test_parity_check_catches_a_scaled_weight_gradient(monkeypatch):
    mlp, tmlp = make_pair(use_bn=False)
    target = mlp.parametrised()[1]
    original = target.backward

    def scaled_backward(*args, **kwargs):
        dx = original(*args, **kwargs)
        target.grads["weight"] = 1.01 * target.grads["weight"]
        return dx

    monkeypatch.setattr(target, "backward", scaled_backward)
    x, y = batch()
    loss_and_grads(mlp, tmlp, x, y)
    errors = {(i, key): rel_error(module.grads[key], getattr(layer, key).grad.numpy())
              for i, (module, layer) in enumerate(paired_layers(mlp, tmlp)) for key in ("weight", "bias")}
    assert errors[(1, "weight")] > 1e-6
    assert all(err < TOL for k, err in errors.items() if k != (1, "weight"))


class _ScaledReLU(ReLUModule):
    """ReLU whose backward is 1 % off: every upstream gradient becomes wrong."""

    def backward(self, dout):
        return 1.01 * super().backward(dout)


def test_numerical_check_catches_a_scaled_input_gradient():
    rng = np.random.default_rng(3)
    x = rng.choice([-1.0, 1.0], size=(4, 5)) * rng.uniform(0.1, 2.0, size=(4, 5))
    R = rng.standard_normal((4, 5))
    module = _ScaledReLU()
    module.forward(x)
    dx = module.backward(R)
    numerical = numerical_grad(lambda: float(np.sum(module.forward(x) * R)), x)
    assert rel_error(dx, numerical) > 1e-6
    assert rel_error(dx / 1.01, numerical) < 1e-6  # and the unscaled one passes


def test_parity_check_catches_a_scaled_relu_in_the_network():
    mlp, tmlp = make_pair(use_bn=True)
    i = next(i for i, m in enumerate(mlp.modules) if isinstance(m, ReLUModule))
    mlp.modules[i] = _ScaledReLU()
    x, y = batch()
    loss_and_grads(mlp, tmlp, x, y)
    first_linear, first_layer = paired_layers(mlp, tmlp)[0]
    assert rel_error(first_linear.grads["weight"], first_layer.weight.grad.numpy()) > 1e-6
