"""NumPy modules with the course template's API.

Every module has ``forward(x)``, ``backward(dout)`` returning ``dx`` and
``clear_cache()``. Modules with parameters keep them in ``self.params`` and
their gradients in ``self.grads`` under the same keys, and ``forward`` reads
``self.params`` on every call (so an optimiser or a gradient check may replace
them). Arithmetic happens in the dtype of the input: float64 for gradient
checks, float32 for training.
"""

from __future__ import annotations

import numpy as np


def kaiming_normal(rng: np.random.Generator, fan_in: int, fan_out: int, gain: float) -> np.ndarray:
    """Weights of shape (fan_out, fan_in) with variance gain / fan_in, drawn in float64.

    Drawing in float64 from a NumPy generator makes the initial point identical
    for every dtype and for the PyTorch twin, which copies these values.
    """
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(gain / fan_in)


class LinearModule:
    """Y = X W^T + b with W of shape (out_features, in_features).

    Kaiming (He) initialisation: variance 2 / in_features behind a ReLU; the
    input layer sees standardised pixels rather than ReLU outputs, so it uses
    variance 1 / in_features (He et al.'s rule for the first layer).
    """

    def __init__(self, in_features: int, out_features: int, input_layer: bool = False,
                 rng: np.random.Generator | None = None, dtype=np.float64):
        # Without a generator, draw from NumPy's global one, as the course template does, so that
        # np.random.seed(...) makes course-style code repeatable.
        rng = np.random if rng is None else rng
        gain = 1.0 if input_layer else 2.0
        self.input_layer = input_layer
        self.params = {
            "weight": kaiming_normal(rng, in_features, out_features, gain).astype(dtype),
            "bias": np.zeros(out_features, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        out = x @ self.params["weight"].T
        out += self.params["bias"]
        return out

    def backward(self, dout: np.ndarray, need_dx: bool = True, sgd=None) -> np.ndarray | None:
        """Fill ``self.grads`` and return dL/dx (skipped with ``need_dx=False``, e.g. for the
        first layer of a network, where nobody needs the gradient of the pixels).

        With an optimizer ``sgd`` (mlp_cifar.numpy_net.optim.SGD), the weight is updated here,
        inside the product dY^T X (one BLAS call), and ``grads["weight"]`` is not computed.
        """
        dx = dout @ self.params["weight"] if need_dx else None  # before the weight changes
        if sgd is not None:
            sgd.update_from_product(self, "weight", dout, self.x)
        else:
            self.grads["weight"] = dout.T @ self.x
        self.grads["bias"] = dout.sum(axis=0)
        return dx

    def clear_cache(self) -> None:
        self.x = None


class ReLUModule:
    def __init__(self):
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        # The unit step as derivative; at exactly 0 we use 0 (a subgradient).
        return dout * self.mask

    def clear_cache(self) -> None:
        self.mask = None


class SoftMaxModule:
    """Row-wise softmax, computed with the row maximum subtracted for stability."""

    def __init__(self):
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = x - x.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        self.out = z
        return z

    def backward(self, dout: np.ndarray) -> np.ndarray:
        y = self.out
        # dL/dX = dL/dY o Y - ((dL/dY o Y) 1 1^T) o Y
        return y * (dout - (dout * y).sum(axis=1, keepdims=True))

    def clear_cache(self) -> None:
        self.out = None


class CrossEntropyModule:
    """Mean cross-entropy of softmax probabilities ``x`` (S, C) and integer labels ``y`` (S,).

    No clipping, as in the course template: once a true-class probability
    underflows to 0 (a logit gap of about 100 in float32) the loss is infinite.
    The trainer therefore takes its loss from the logits instead
    (mlp_cifar.numpy_net.loss), where it stays finite unless they do not.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> float:
        with np.errstate(divide="ignore"):
            return float(-np.log(x[np.arange(len(y)), y]).mean())

    def backward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        rows = np.arange(len(y))
        dx = np.zeros_like(x)
        with np.errstate(divide="ignore"):
            dx[rows, y] = -1.0 / (len(y) * x[rows, y])
        return dx

    def clear_cache(self) -> None:
        pass


class BatchNormModule:
    """Batch normalisation over the batch axis with learnable scale and shift.

    Same semantics as ``torch.nn.BatchNorm1d``: batch statistics (biased
    variance) in training, running statistics in evaluation, running variance
    updated with the unbiased batch variance, ``running = (1 - momentum) *
    running + momentum * batch``.
    """

    def __init__(self, n_features: int, momentum: float = 0.1, eps: float = 1e-5, dtype=np.float64):
        self.momentum = momentum
        self.eps = eps
        self.training = True
        self.params = {"weight": np.ones(n_features, dtype=dtype), "bias": np.zeros(n_features, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.running_mean = np.zeros(n_features, dtype=dtype)
        self.running_var = np.ones(n_features, dtype=dtype)
        self.x_hat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("batch normalisation in training mode needs at least 2 examples per batch")
            mean = x.mean(axis=0)
            centred = x - mean
            var = np.einsum("ij,ij->j", centred, centred) / n  # biased, one pass without a temporary
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean
            self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
            centred = x - mean
        self.inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        centred *= self.inv_std
        self.x_hat = centred
        out = self.x_hat * self.params["weight"]
        out += self.params["bias"]
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        x_hat, inv_std, n = self.x_hat, self.inv_std, dout.shape[0]
        self.grads["weight"] = np.einsum("ij,ij->j", dout, x_hat)
        self.grads["bias"] = dout.sum(axis=0)
        scale = self.params["weight"] * inv_std  # d out / d x through x_hat, per feature
        if not self.training:  # running statistics are constants
            return dout * scale
        # dL/dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) with dx_hat = dout * weight;
        # the two means are weight * (the bias and weight gradients) / n.
        dx = dout * scale
        dx -= x_hat * (scale * self.grads["weight"] / n)
        dx -= scale * self.grads["bias"] / n
        return dx

    def clear_cache(self) -> None:
        self.x_hat = self.inv_std = None
