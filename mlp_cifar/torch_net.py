"""The PyTorch twin of the NumPy MLP, initialised from the same NumPy generator."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from mlp_cifar.numpy_net.modules import kaiming_normal


class TorchMLP(nn.Module):
    """Linear [-> BatchNorm1d] -> ReLU blocks, then Linear; outputs logits (no softmax:
    ``nn.CrossEntropyLoss`` applies log-softmax itself).

    With the same ``rng`` state as :class:`mlp_cifar.numpy_net.MLP`, the initial
    weights are identical: both draw them with :func:`kaiming_normal` in the same order.
    """

    def __init__(self, n_inputs: int, n_hidden: Sequence[int], n_classes: int,
                 use_batch_norm: bool = False, rng: np.random.Generator | None = None,
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        sizes = [n_inputs, *n_hidden, n_classes]
        layers: list[nn.Module] = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(fan_in, fan_out, dtype=dtype)
            gain = 1.0 if i == 0 else 2.0
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(kaiming_normal(rng, fan_in, fan_out, gain)))
                linear.bias.zero_()
            layers.append(linear)
            if i < len(sizes) - 2:
                if use_batch_norm:
                    layers.append(nn.BatchNorm1d(fan_out, momentum=0.1, eps=1e-5, dtype=dtype))
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
