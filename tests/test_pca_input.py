"""The stronger MLP's projected input (issue 13, item 2): with ``zca`` and ``pca: k`` the network sees
each whitened, augmented image's coordinates along the training split's k principal directions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_cifar.data.whiten import apply_zca, fit_zca, fit_zca_with_directions, zca_whiten, zca_whiten_with_directions
from mlp_cifar.report.run_comparison import config_rows
from mlp_cifar.report.summary import architecture
from mlp_cifar.runs import parameter_count
from mlp_cifar.training.cli import UsageError, parse_args, run_config
from mlp_cifar.training.config import InvalidRunConfig, RunConfig
from mlp_cifar.training.evaluation import mirror
from mlp_cifar.training.loop import seeded_generators, train
from mlp_cifar.training.numpy_backend import NumpyBackend
from mlp_cifar.training.torch_backend import TorchBackend
from learnable import learnable_splits


def test_directions_are_orthonormal_and_ordered_by_the_whitened_variance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 12)) @ rng.standard_normal((12, 12)) * np.linspace(0.2, 3, 12)
    mean, w, directions, variances = fit_zca_with_directions(x, epsilon=0.5)
    np.testing.assert_allclose(directions.T @ directions, np.eye(12), atol=1e-10)
    assert np.all(np.diff(variances) <= 0)  # strongest first
    whitened = apply_zca(x, mean, w)
    # Along each direction the whitened data has exactly the reported variance, lambda / (lambda + eps).
    np.testing.assert_allclose((whitened @ directions).var(axis=0), variances, rtol=1e-8)
    raw = np.linalg.eigvalsh(np.cov(x.T, bias=True))[::-1]
    np.testing.assert_allclose(variances, raw / (raw + 0.5), rtol=1e-8)
    # The whitening itself is unchanged by asking for the directions.
    np.testing.assert_array_equal(fit_zca(x, 0.5)[1], w)


def test_whiten_with_directions_keeps_the_strongest_and_says_how_much_variance():
    splits = learnable_splits(n_train=600, n_val=50, n_test=50, n_features=48)
    whitened, directions, kept = zca_whiten_with_directions(splits, 0.1, components=5)
    np.testing.assert_array_equal(whitened.val.x, zca_whiten(splits, 0.1).val.x)
    _, _, all_directions, variances = fit_zca_with_directions(splits.train.x, 0.1)
    np.testing.assert_array_equal(directions, all_directions[:, :5])
    assert directions.flags.c_contiguous and directions.shape == (48, 5)
    assert kept == pytest.approx(variances[:5].sum() / variances.sum())
    assert 5 / 48 < kept < 1  # the strongest five hold more than their share
    none = zca_whiten_with_directions(splits, 0.1, components=0)
    assert none[1:] == (None, None)
    np.testing.assert_array_equal(none[0].train.x, whitened.train.x)
    with pytest.raises(ValueError, match="components"):
        zca_whiten_with_directions(splits, 0.1, components=49)


def projected_setup(backend_cls, **extra):
    splits = learnable_splits()  # the trainer tests' split: its ZCA fit is shared (conftest)
    whitened, directions, _ = zca_whiten_with_directions(splits, 0.1, components=40)
    name = "numpy" if backend_cls is NumpyBackend else "torch"
    cfg = RunConfig(backend=name, hidden=[16], device="cpu", zca=0.1, pca=40, **extra)
    return whitened, directions, cfg, backend_cls(cfg, seeded_generators(cfg.seed)[0], directions)


def test_numpy_step_trains_the_network_on_the_projected_batch():
    whitened, directions, cfg, backend = projected_setup(NumpyBackend)
    assert backend.model.modules[0].params["weight"].shape == (16, 40)
    twin = projected_setup(NumpyBackend)[3]
    twin.directions = None  # the same network, fed the projected batch by hand
    x, y = whitened.train.x[:64], whitened.train.y[:64]
    loss, correct = backend.train_step(x, y, 0.1)
    assert (loss, correct) == twin.train_step(x @ directions, y, 0.1)
    np.testing.assert_array_equal(backend.model.modules[0].params["weight"], twin.model.modules[0].params["weight"])


@pytest.mark.parametrize("backend_cls", [NumpyBackend, TorchBackend])
def test_evaluation_projects_each_image_and_its_mirror(backend_cls):
    whitened, directions, cfg, backend = projected_setup(backend_cls, flip_tta=True)
    x, y = whitened.val.x, whitened.val.y
    if backend_cls is NumpyBackend:
        logits = (backend.model.logits(x @ directions) + backend.model.logits(mirror(x) @ directions)) / 2
    else:
        backend.model.eval()
        with torch.no_grad():
            logits = ((backend.model(torch.from_numpy(x @ directions))
                       + backend.model(torch.from_numpy(mirror(x) @ directions))) / 2).numpy()
    assert backend.evaluate(x, y)[1] == pytest.approx(float((logits.argmax(1) == y).mean()))


def test_both_backends_train_the_same_projected_run_in_float64():
    # The float32 split, whitened and projected by the shared ZCA fit (conftest); the runs then cast the
    # whitened images and the directions to float64, and train and evaluate in float64.
    splits = learnable_splits()
    settings = dict(hidden=[16], epochs=1, batch_size=64, dtype="float64", device="cpu", zca=0.1, pca=40,
                    augment={"flip": True, "crop": 2})
    numpy_doc = train(RunConfig(backend="numpy", **settings), splits, progress=False)
    torch_doc = train(RunConfig(backend="torch", **settings), splits, progress=False)
    np.testing.assert_allclose(numpy_doc["batch_losses"], torch_doc["batch_losses"], rtol=1e-9)
    assert numpy_doc["pca_variance_kept"] == torch_doc["pca_variance_kept"]
    assert 40 / 3072 < numpy_doc["pca_variance_kept"] < 1


def test_projected_run_learns_and_records_its_settings():
    doc = train(RunConfig(hidden=[32], epochs=2, batch_size=64, zca=0.1, pca=64, augment={"flip": True}),
                learnable_splits(), progress=False)
    assert doc["config"]["pca"] == 64 and doc["test_accuracy"] > 0.5
    plain = train(RunConfig(hidden=[32], epochs=1, batch_size=64), learnable_splits(), progress=False)
    assert plain["config"]["pca"] is None and plain["pca_variance_kept"] is None


@pytest.mark.parametrize("settings, match", [({"pca": 64}, "with zca set"), ({"zca": 0.1, "pca": 0}, "pca"),
                                             ({"zca": 0.1, "pca": 3073}, "pca"), ({"zca": 0.1, "pca": True}, "pca")])
def test_bad_pca_settings_are_named(settings, match):
    with pytest.raises(InvalidRunConfig, match=match):
        RunConfig(**settings)


def test_trainer_cli_names_pca_without_zca():
    with pytest.raises(UsageError, match="--pca 64: expected .* with zca set"):
        run_config(parse_args(["--out", "x.json", "--pca", "64"]))
    assert run_config(parse_args(["--out", "x.json", "--zca", "0.1", "--pca", "64"])).pca == 64


def test_report_shows_the_projected_input():
    cfg = {"hidden": [1024, 1024], "batch_norm": True, "zca": 0.1, "pca": 768, "lr": 0.2, "batch_size": 512,
           "epochs": 60, "seed": 42, "backend": "numpy", "dtype": "float32"}
    assert architecture(cfg) == "768 → 1024 → 1024 → 10"
    assert parameter_count({"hidden": [4], "pca": 100}) == 100 * 4 + 4 + 4 * 10 + 10
    rows = {r["name"]: r for r in config_rows({"config": {**cfg, "pca": None, "zca": None}}, {"config": cfg})}
    assert rows["Network input"]["base"] == "3,072 pixel values"
    assert "768 principal directions" in rows["Network input"]["run"]


def test_evaluation_inputs_are_built_once_per_array_and_flip_setting() -> None:
    """The trainer evaluates the same validation array every epoch: its projected chunks (and mirror
    images) are built once, and rebuilt for another array (even an equal one) or flip setting."""
    from mlp_cifar.training.evaluation import EVAL_CHUNK, EvaluationInputs, mirror

    rng = np.random.default_rng(0)
    x = rng.standard_normal((EVAL_CHUNK + 7, 3072)).astype(np.float32)
    directions = np.linalg.qr(rng.standard_normal((3072, 5)))[0].astype(np.float32)
    inputs = EvaluationInputs(directions)
    chunks = inputs(x, True)
    assert [start for start, _ in chunks] == [0, EVAL_CHUNK]
    np.testing.assert_array_equal(chunks[1][1][0], x[EVAL_CHUNK:] @ directions)
    np.testing.assert_array_equal(chunks[1][1][1], mirror(x[EVAL_CHUNK:]) @ directions)
    assert inputs(x, True) is chunks  # the second epoch projects nothing
    plain = inputs(x, False)
    assert plain is not chunks and all(len(views) == 1 for _, views in plain)
    other = x.copy()
    other[0] = 0  # another array's views are that array's
    assert inputs(other, True) is not chunks
    np.testing.assert_array_equal(inputs(other, True)[0][1][0][0], np.zeros(5, np.float32))
    assert EvaluationInputs(None)(x, False)[0][1][0].base is x  # without pca: views of the split, no copy
