"""Central-difference gradient checking for the NumPy modules (use float64 arrays)."""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_grad(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dF/d(array) by central differences, where ``f()`` reads ``array``.

    Each entry of ``array`` is perturbed in place by +-eps and restored
    afterwards, so ``f`` must look at the very same array object (e.g. a
    module's ``params["weight"]`` or an input captured in a closure).
    """
    if array.dtype != np.float64:
        raise TypeError(f"gradient checks need float64, got {array.dtype}")
    grad = np.zeros_like(array)
    it = np.nditer(array, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = array[i]
        array[i] = old + eps
        f_plus = f()
        array[i] = old - eps
        f_minus = f()
        array[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / (max|a| + max|b|), guarded against division by zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    scale = max(np.abs(a).max(initial=0.0) + np.abs(b).max(initial=0.0), np.finfo(np.float64).tiny)
    return float(np.abs(a - b).max(initial=0.0) / scale)
