"""Small in-memory splits with a learnable signal, for fast trainer tests."""

import numpy as np

from mlp_cifar.data.dataset import CifarSplits, Split


def learnable_splits(n_train=1024, n_val=256, n_test=256, n_features=3072, seed=0, dtype=np.float32):
    """Each class is a random mean vector plus unit noise: separable enough to learn in an epoch."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((10, n_features)) * 0.15

    def subset(n):
        y = rng.integers(0, 10, n)
        x = (means[y] + rng.standard_normal((n, n_features))).astype(dtype)
        return Split(x, y.astype(np.int64))

    return CifarSplits(train=subset(n_train), val=subset(n_val), test=subset(n_test),
                       archive_md5="synthetic", official=False)
