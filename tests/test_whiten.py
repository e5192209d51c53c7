"""ZCA whitening: fitted on the training split only, and whitening it."""

import numpy as np
import pytest

from mlp_cifar.data.dataset import CifarSplits, Split
from mlp_cifar.data.whiten import apply_zca, fit_zca, zca_whiten
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from learnable import learnable_splits


def correlated(n, d, seed):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((d, d))
    return rng.standard_normal((n, d)) @ mixing + 3.0


def test_whitened_training_data_has_zero_mean_and_identity_covariance():
    x = correlated(4000, 12, 0)
    mean, w = fit_zca(x, epsilon=1e-9)
    z = apply_zca(x, mean, w)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(z.T @ z / len(z), np.eye(12), atol=1e-6)
    np.testing.assert_allclose(w, w.T, atol=1e-12)  # ZCA: the symmetric whitening


def test_zca_is_the_whitening_closest_to_the_input():
    """Among whitenings, ZCA's output correlates most with the input: corr(z_i, x_i) beats PCA whitening."""
    x = correlated(4000, 6, 1)
    mean, w = fit_zca(x, epsilon=1e-9)
    z = apply_zca(x, mean, w)
    lam, u = np.linalg.eigh(np.cov(x.T, bias=True))
    pca = (x - x.mean(axis=0)) @ u / np.sqrt(lam)
    def diag_corr(a):
        return np.mean([abs(np.corrcoef(a[:, i], x[:, i])[0, 1]) for i in range(6)])
    assert diag_corr(z) > diag_corr(pca)


def test_epsilon_damps_small_directions_and_must_be_positive():
    x = correlated(2000, 8, 2)
    z_small = apply_zca(x, *fit_zca(x, 1e-6))
    z_large = apply_zca(x, *fit_zca(x, 10.0))
    assert z_large.var(axis=0).max() < z_small.var(axis=0).min()
    with pytest.raises(ValueError, match="epsilon"):
        fit_zca(x, 0.0)


def test_only_the_training_split_is_fitted_and_every_split_is_transformed():
    splits = learnable_splits(n_train=512, n_val=64, n_test=64, n_features=48)
    out = zca_whiten(splits, epsilon=0.1)
    mean, w = fit_zca(splits.train.x, 0.1)
    for name in ("train", "val", "test"):
        np.testing.assert_allclose(getattr(out, name).x, apply_zca(getattr(splits, name).x, mean, w), rtol=1e-5,
                                   atol=1e-5)
        np.testing.assert_array_equal(getattr(out, name).y, getattr(splits, name).y)
        assert getattr(out, name).x.dtype == np.float32
    # Other validation and test images change nothing of the training split's whitening.
    other = CifarSplits(splits.train, Split(splits.val.x * 5 + 1, splits.val.y), Split(splits.test.x[::-1].copy(),
                        splits.test.y), splits.archive_md5, splits.official)
    np.testing.assert_array_equal(zca_whiten(other, 0.1).train.x, out.train.x)


def test_trainer_whitens_when_asked_and_records_the_time():
    splits = learnable_splits()  # the trainer tests' split: its ZCA fit is shared (conftest)
    plain = train(RunConfig(hidden=[16], epochs=2, batch_size=64), splits, progress=False)
    cfg = RunConfig(hidden=[16], epochs=2, batch_size=64, zca=0.1)
    a, b = train(cfg, splits, progress=False), train(cfg, splits, progress=False)
    assert a["batch_losses"] == b["batch_losses"] and a["config"]["zca"] == 0.1
    assert a["batch_losses"] != plain["batch_losses"]
    assert a["whiten_seconds"] > 0 and plain["whiten_seconds"] == 0.0
    assert a["total_seconds"] >= a["train_seconds"] + a["whiten_seconds"]


@pytest.mark.parametrize("zca", [0, -1.0, float("inf"), True, "0.1"])
def test_bad_zca_names_the_field(zca):
    with pytest.raises(ValueError, match="zca"):
        RunConfig(zca=zca)
