"""The NumPy multi-layer perceptron: Linear [-> BatchNorm] -> ReLU blocks, then Linear -> SoftMax."""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np

from mlp_cifar.numpy_net.modules import BatchNormModule, LinearModule, ReLUModule, SoftMaxModule


class MLP:
    """``MLP(n_inputs, n_hidden, n_classes, use_batch_norm=False)``.

    ``forward`` returns class probabilities (the course template ends in a
    SoftMaxModule); ``backward`` takes dL/d(probabilities). An empty ``n_hidden``
    gives multinomial logistic regression.
    """

    def __init__(self, n_inputs: int, n_hidden: Sequence[int], n_classes: int,
                 use_batch_norm: bool = False, rng: np.random.Generator | None = None,
                 dtype=np.float32):
        rng = np.random.default_rng() if rng is None else rng
        self.modules: list = []
        sizes = [n_inputs, *n_hidden]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.modules.append(LinearModule(fan_in, fan_out, input_layer=(i == 0), rng=rng, dtype=dtype))
            if use_batch_norm:
                self.modules.append(BatchNormModule(fan_out, dtype=dtype))
            self.modules.append(ReLUModule())
        self.modules.append(LinearModule(sizes[-1], n_classes, input_layer=not n_hidden, rng=rng, dtype=dtype))
        self.modules.append(SoftMaxModule())

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.modules[-1].forward(self.logits(x))

    __call__ = forward

    def backward(self, dout: np.ndarray) -> None:
        self.backward_logits(self.modules[-1].backward(dout))

    # The trainer stops before the softmax and takes the loss from the logits
    # (mlp_cifar.numpy_net.loss): finite unless the logits are not.
    def logits(self, x: np.ndarray) -> np.ndarray:
        """Forward through every module but the final softmax."""
        for module in self.modules[:-1]:
            x = module.forward(x)
        return x

    def backward_logits(self, dlogits: np.ndarray, sgd=None) -> None:
        """Backward from dL/d(logits) through every module but the final softmax. With ``sgd``,
        linear layers update their weights on the way (LinearModule.backward)."""
        dout = dlogits
        for i in range(len(self.modules) - 2, -1, -1):
            module = self.modules[i]
            fused = {"sgd": sgd} if sgd is not None and isinstance(module, LinearModule) else {}
            if i == 0:
                module.backward(dout, need_dx=False, **fused)  # gradient w.r.t. the pixels is never used
            else:
                dout = module.backward(dout, **fused)

    def clear_cache(self) -> None:
        for module in self.modules:
            module.clear_cache()

    def train(self, mode: bool = True) -> "MLP":
        for module in self.modules:
            if isinstance(module, BatchNormModule):
                module.training = mode
        return self

    def eval(self) -> "MLP":
        return self.train(False)

    def parametrised(self) -> list:
        """The modules that own parameters, in forward order."""
        return [m for m in self.modules if hasattr(m, "params")]

    def snapshot(self) -> "MLP":
        """A deep copy without cached activations (for keeping the best-validation model)."""
        self.clear_cache()
        return copy.deepcopy(self)
