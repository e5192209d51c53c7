"""A multi-layer perceptron written from scratch in NumPy (course-template API)."""

from mlp_cifar.numpy_net.mlp import MLP
from mlp_cifar.numpy_net.modules import (
    BatchNormModule,
    CrossEntropyModule,
    LinearModule,
    ReLUModule,
    SoftMaxModule,
)
from mlp_cifar.numpy_net.optim import SGD

__all__ = [
    "MLP", "SGD", "LinearModule", "ReLUModule", "SoftMaxModule",
    "CrossEntropyModule", "BatchNormModule",
]
