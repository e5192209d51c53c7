"""Two BLAS calls NumPy does not expose, from NumPy's own OpenBLAS, with a plain-NumPy fallback.

SGD on a linear layer needs ``W <- beta * W + alpha * dY^T X``: NumPy computes ``dY^T X`` into a
new array and then needs two more passes over W-sized memory to scale and subtract it. BLAS gemm
does it in one call (``beta = 1``, ``alpha = -lr``), with the threads of the matrix product;
axpy (``y += alpha * x``) is the multi-threaded single pass for momentum and weight decay.

The library is the one NumPy itself was built against (found through threadpoolctl), so there is
one BLAS thread pool in the process, the one the thread limits already govern. A second BLAS
(scipy's bundled OpenBLAS) ran ten times slower here: two thread pools fighting over 2 cores.
Where that library or its symbols are not found (NumPy on MKL or Accelerate, say), the same
operations run in NumPy, slower and numerically the same to rounding.
"""

from __future__ import annotations

import ctypes
import functools
from typing import Callable

import numpy as np

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


@functools.cache
def _routines() -> dict[str, Callable] | None:
    """cblas gemm and axpy for float32 and float64 from NumPy's OpenBLAS, or None."""
    try:
        from threadpoolctl import threadpool_info

        libs = [p for p in threadpool_info() if p.get("internal_api") == "openblas"]
    except Exception:  # noqa: BLE001 - no threadpoolctl, no introspection: use NumPy
        return None
    for info in libs:
        try:
            lib = ctypes.CDLL(info["filepath"])
        except OSError:
            continue
        # NumPy's wheels ship OpenBLAS with 64-bit integers and prefixed, suffixed symbols
        # (scipy_cblas_sgemm64_); a system OpenBLAS has the plain names and 32-bit integers.
        for prefix, suffix, index in (("scipy_", "64_", ctypes.c_int64), ("", "64_", ctypes.c_int64),
                                      ("", "", ctypes.c_int)):
            names = {f"{kind}{op}": f"{prefix}cblas_{kind}{op}{suffix}" for kind in "sd" for op in ("gemm", "axpy")}
            if not all(hasattr(lib, name) for name in names.values()):
                continue
            routines = {}
            for key, name in names.items():
                fn = getattr(lib, name)
                real = ctypes.c_float if key[0] == "s" else ctypes.c_double
                if key.endswith("gemm"):
                    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, index, index, index, real,
                                   ctypes.c_void_p, index, ctypes.c_void_p, index, real, ctypes.c_void_p, index]
                else:
                    fn.argtypes = [index, real, ctypes.c_void_p, index, ctypes.c_void_p, index]
                fn.restype = None
                routines[key] = fn
            return routines
    return None


def available() -> bool:
    """Whether the BLAS routines were found (otherwise the NumPy fallback runs)."""
    return _routines() is not None


def _kind(*arrays: np.ndarray) -> str | None:
    """"s" or "d" when every array is C-contiguous float32 or float64 alike, else None."""
    dtype = arrays[0].dtype
    if dtype not in (np.float32, np.float64) or any(a.dtype != dtype or not a.flags.c_contiguous for a in arrays):
        return None
    return "s" if dtype == np.float32 else "d"


def gemm_at_b(alpha: float, a: np.ndarray, b: np.ndarray, beta: float, c: np.ndarray) -> None:
    """``c <- alpha * a.T @ b + beta * c`` in place; a (K, M), b (K, N), c (M, N)."""
    (k, m), (k_b, n) = a.shape, b.shape
    if k_b != k or c.shape != (m, n):
        raise ValueError(f"gemm_at_b: a {a.shape}, b {b.shape} and c {c.shape} do not fit a.T @ b")
    routines, kind = _routines(), _kind(a, b, c)
    if routines is None or kind is None or not c.flags.writeable:
        product = a.T @ b
        c *= beta
        c += alpha * product
        return
    routines[f"{kind}gemm"](ROW_MAJOR, TRANS, NO_TRANS, m, n, k, alpha, a.ctypes.data, m, b.ctypes.data, n,
                            beta, c.ctypes.data, n)


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """``y <- y + alpha * x`` in place."""
    if x.shape != y.shape:
        raise ValueError(f"axpy: x {x.shape} and y {y.shape} differ")
    routines, kind = _routines(), _kind(x, y)
    if routines is None or kind is None or not y.flags.writeable:
        y += alpha * x
        return
    routines[f"{kind}axpy"](y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
