"""Stochastic gradient descent over the parameters of NumPy modules."""

from __future__ import annotations

import numpy as np


class SGD:
    """Plain SGD with optional momentum and L2 weight decay, in PyTorch's convention:
    ``g = grad + weight_decay * p``; ``v = momentum * v + g``; ``p -= lr * v``."""

    def __init__(self, modules: list, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        if lr < 0:
            raise ValueError(f"learning rate must be non-negative, got {lr}")
        self.modules = modules
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: dict[tuple[int, str], np.ndarray] = {}

    def step(self) -> None:
        for i, module in enumerate(self.modules):
            for key, param in module.params.items():
                grad = module.grads[key]
                if self.weight_decay:
                    grad = grad + self.weight_decay * param
                if self.momentum:
                    v = self.velocity.get((i, key))
                    v = grad.copy() if v is None else np.add(self.momentum * v, grad, out=v)
                    self.velocity[(i, key)] = v
                    grad = v
                # In place, with the update cast to the parameter's dtype.
                param -= np.asarray(self.lr * grad, dtype=param.dtype)
