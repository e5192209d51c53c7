"""The stronger MLP's recipe (issue 13, item 2): label smoothing, a moving average of the weights
(EMA) and flip test-time augmentation, each checked against an independent computation."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from mlp_cifar.augment import as_images
from mlp_cifar.numpy_net import MLP
from mlp_cifar.numpy_net.loss import softmax_cross_entropy
from mlp_cifar.training.config import InvalidRunConfig, RunConfig
from mlp_cifar.training.evaluation import mirror
from mlp_cifar.training.loop import seeded_generators, train
from mlp_cifar.training.numpy_backend import NumpyBackend, average_into
from mlp_cifar.training.torch_backend import TorchBackend
from learnable import learnable_splits


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_label_smoothing_loss_and_gradient_match_pytorch(smoothing):
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((16, 10)) * 3, rng.integers(0, 10, 16)
    loss, grad = softmax_cross_entropy(logits, y, smoothing=smoothing)
    t = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor(y), label_smoothing=smoothing)
    expected.backward()
    assert loss == pytest.approx(float(expected.detach()), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_label_smoothing_target_by_hand():
    """One example, two equal logits of ten: smoothing 0.2 makes the target 0.82 / 0.02 ..."""
    logits = np.zeros((1, 10))
    loss, grad = softmax_cross_entropy(logits, np.array([3]), smoothing=0.2)
    target = np.full(10, 0.02)
    target[3] = 0.82
    assert loss == pytest.approx(np.log(10))  # every -log p is log 10
    np.testing.assert_allclose(grad[0], 0.1 - target)


def test_mirror_reverses_every_row_of_every_channel():
    x = np.arange(2 * 3072, dtype=np.float32).reshape(2, 3072)
    m = as_images(mirror(x))
    np.testing.assert_array_equal(m[1, 2, 5], as_images(x)[1, 2, 5, ::-1])
    np.testing.assert_array_equal(mirror(mirror(x)), x)


def test_average_into_is_the_moving_average_of_parameters_and_statistics():
    rng = np.random.default_rng(1)
    live = MLP(3072, [8], 10, use_batch_norm=True, rng=rng, dtype=np.float64)
    avg = copy.deepcopy(live)
    before = copy.deepcopy(avg)
    for module in live.parametrised():
        for p in module.params.values():
            p += 1.0
        if hasattr(module, "running_mean"):
            module.running_mean += 2.0
    average_into(avg, live, 0.9)
    for a, b, p in zip(avg.parametrised(), before.parametrised(), live.parametrised()):
        for k in a.params:
            np.testing.assert_allclose(a.params[k], 0.9 * b.params[k] + 0.1 * p.params[k])
        if hasattr(a, "running_mean"):
            np.testing.assert_allclose(a.running_mean, 0.9 * b.running_mean + 0.1 * p.running_mean)
            np.testing.assert_allclose(a.running_var, 0.9 * b.running_var + 0.1 * p.running_var)


def test_ema_run_evaluates_the_average_not_the_trained_weights():
    splits = learnable_splits(n_train=512, n_val=128, n_test=128)
    cfg = RunConfig(hidden=[16], epochs=1, batch_size=64, ema=0.5)
    backend = NumpyBackend(cfg, seeded_generators(cfg.seed)[0])
    initial = backend.model.snapshot()
    x, y = splits.train.x[:64], splits.train.y[:64]
    backend.train_step(x, y, 0.1)
    backend.train_step(x, y, 0.1)
    # After two steps the average is 0.25 * initial + 0.25 * after step 1 + 0.5 * after step 2: not
    # the trained weights; check the first layer against a replay without the average.
    replay = NumpyBackend(RunConfig(hidden=[16], epochs=1, batch_size=64), seeded_generators(cfg.seed)[0])
    replay.train_step(x, y, 0.1)
    w1 = replay.model.parametrised()[0].params["weight"].copy()
    replay.train_step(x, y, 0.1)
    w2 = replay.model.parametrised()[0].params["weight"]
    w0 = initial.parametrised()[0].params["weight"]
    np.testing.assert_allclose(backend.ema.parametrised()[0].params["weight"], 0.25 * w0 + 0.25 * w1 + 0.5 * w2,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(backend.model.parametrised()[0].params["weight"], w2)
    loss, acc = backend.evaluate(splits.val.x, splits.val.y)
    logits = backend.ema.logits(splits.val.x)
    assert acc == pytest.approx(float((logits.argmax(1) == splits.val.y).mean()))
    assert backend.state() is not backend.ema and isinstance(backend.state(), MLP)


@pytest.mark.parametrize("backend_cls", [NumpyBackend, TorchBackend])
def test_flip_tta_averages_the_logits_of_each_image_and_its_mirror(backend_cls):
    splits = learnable_splits(n_train=256, n_val=128, n_test=128)
    name = "numpy" if backend_cls is NumpyBackend else "torch"
    cfg = RunConfig(backend=name, hidden=[16], device="cpu", flip_tta=True)
    backend = backend_cls(cfg, seeded_generators(cfg.seed)[0])
    x, y = splits.val.x, splits.val.y
    if name == "numpy":
        logits = (backend.model.logits(x) + backend.model.logits(mirror(x))) / 2
    else:
        with torch.no_grad():
            backend.model.eval()
            logits = ((backend.model(torch.from_numpy(x)) + backend.model(torch.from_numpy(mirror(x)))) / 2).numpy()
    loss, acc = backend.evaluate(x, y)
    assert acc == pytest.approx(float((logits.argmax(1) == y).mean()))
    assert loss == pytest.approx(softmax_cross_entropy(logits.astype(np.float64), y, grad=False)[0], rel=1e-5)
    plain = backend_cls(RunConfig(backend=name, hidden=[16], device="cpu"), seeded_generators(cfg.seed)[0])
    assert plain.evaluate(x, y)[0] != pytest.approx(loss, rel=1e-6)


def test_recipe_run_trains_and_records_its_settings():
    splits = learnable_splits()
    doc = train(RunConfig(hidden=[32], epochs=2, batch_size=64, label_smoothing=0.1, ema=0.9, flip_tta=True),
                splits, progress=False)
    assert doc["config"]["label_smoothing"] == 0.1 and doc["config"]["ema"] == 0.9 and doc["config"]["flip_tta"]
    assert doc["test_accuracy"] > 0.5  # the learnable signal is learnt through all three


@pytest.mark.parametrize("field, value", [("label_smoothing", 1.0), ("label_smoothing", -0.1), ("ema", 1.0),
                                          ("ema", 0.0), ("flip_tta", "yes")])
def test_bad_recipe_settings_are_named(field, value):
    with pytest.raises(InvalidRunConfig, match=field):
        RunConfig(**{field: value})


def test_ema_is_numpy_only():
    with pytest.raises(InvalidRunConfig, match="numpy backend only"):
        RunConfig(backend="torch", ema=0.99)
