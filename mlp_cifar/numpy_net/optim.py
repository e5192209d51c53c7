"""Stochastic gradient descent over the parameters of NumPy modules."""

from __future__ import annotations

import numpy as np

from mlp_cifar.numpy_net.blas import axpy, gemm_at_b


class SGD:
    """Plain SGD with optional momentum and L2 weight decay, in PyTorch's convention:
    ``g = grad + weight_decay * p``; ``v = momentum * v + g``; ``p -= lr * v``.

    ``step()`` updates every parameter from ``module.grads``, as in the course template. A linear
    layer may instead hand its weight gradient over as the two factors of the product
    ``dY^T X`` (`update_from_product`, during its backward pass): the update then runs inside
    the matrix product (BLAS gemm, mlp_cifar.numpy_net.blas), never forming the gradient, and
    ``step()`` leaves that parameter alone.
    """

    def __init__(self, modules: list, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        if lr < 0:
            raise ValueError(f"learning rate must be non-negative, got {lr}")
        self.modules = modules
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: dict[tuple[int, str], np.ndarray] = {}
        self._index = {id(m): i for i, m in enumerate(modules)}
        self._updated: set[tuple[int, str]] = set()  # by update_from_product since the last step()

    def update_from_product(self, module, key: str, a: np.ndarray, b: np.ndarray) -> None:
        """Apply this step's update to ``module.params[key]`` for the gradient ``a.T @ b``."""
        slot = (self._index[id(module)], key)
        param = module.params[key]
        if self.momentum:
            v = self.velocity.get(slot)
            first = v is None
            if first:
                v = self.velocity[slot] = np.zeros_like(param)
            gemm_at_b(1.0, a, b, 0.0 if first else self.momentum, v)  # v = momentum * v + grad
            if self.weight_decay:
                axpy(self.weight_decay, param, v)
            axpy(-self.lr, v, param)
        else:  # p = (1 - lr * wd) * p - lr * grad, in the one product
            gemm_at_b(-self.lr, a, b, 1.0 - self.lr * self.weight_decay, param)
        self._updated.add(slot)

    def step(self) -> None:
        for i, module in enumerate(self.modules):
            for key, param in module.params.items():
                if (i, key) in self._updated:
                    continue
                grad = module.grads[key]
                if self.weight_decay:
                    grad = grad + self.weight_decay * param
                if self.momentum:
                    v = self.velocity.get((i, key))
                    v = grad.copy() if v is None else np.add(self.momentum * v, grad, out=v)
                    self.velocity[(i, key)] = v
                    grad = v
                axpy(-self.lr, grad, param)  # in place, one pass
        self._updated.clear()
