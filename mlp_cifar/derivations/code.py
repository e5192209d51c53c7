"""From the formulas to the code: the NumPy modules' backward passes against the closed forms.

The closed forms are the very ``claim`` callables that SymPy verified in
``identities``, evaluated here on SymPy matrices of random numbers (float64),
so a formula in the report and the code that trains the network cannot drift
apart without a check failing.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from mlp_cifar.derivations import identities
from mlp_cifar.numpy_net.modules import CrossEntropyModule, LinearModule, ReLUModule, SoftMaxModule

RTOL = 1e-12  # relative to the largest entry; float64 round-off is about 1e-16


def _sym(a: np.ndarray) -> sp.Matrix:
    return sp.Matrix(np.atleast_2d(a).tolist())


def _num(m) -> np.ndarray:
    m = m if isinstance(m, sp.MatrixBase) else sp.Matrix([[m]])
    return np.array(m.evalf().tolist(), dtype=np.float64)


def _compare(module_value: np.ndarray, closed_form, description: str, inputs: str) -> dict:
    closed = _num(closed_form)
    got = np.asarray(module_value, dtype=np.float64)
    if got.size != closed.size or (got.ndim == 2 and got.shape != closed.shape):
        return {"passed": False, "module": description, "inputs": inputs, "max_abs_error": None,
                "tolerance": None, "detail": f"shape mismatch: module {got.shape}, closed form {closed.shape}"}
    got = got.reshape(closed.shape)
    err = float(np.max(np.abs(got - closed)))
    tol = RTOL * max(1.0, float(np.max(np.abs(closed))))
    ok = bool(np.all(np.isfinite(got))) and err <= tol
    return {"passed": ok, "module": description, "inputs": inputs, "max_abs_error": err, "tolerance": tol,
            "detail": f"largest difference {err:.2e} ({'within' if ok else 'above'} {tol:.0e})"}


def code_checks(seed: int = 0, S: int = 5, M: int = 7, N: int = 4) -> dict[str, dict]:
    """{result key: check} for every result implemented by a NumPy module, on random float64 inputs
    (``S`` examples, ``M`` inputs, ``N`` outputs)."""
    rng = np.random.default_rng(seed)
    claims = {k: r.claim for k, r in identities.results().items()}
    out = {}

    # Linear: Y = X W^T + 1 b.
    lin = LinearModule(M, N, rng=rng, dtype=np.float64)
    lin.params["bias"] = rng.standard_normal(N)
    X, G = rng.standard_normal((S, M)), rng.standard_normal((S, N))
    lin.forward(X)
    dx = lin.backward(G)
    mats = {"G": _sym(G), "X": _sym(X), "W": _sym(lin.params["weight"]), "b": _sym(lin.params["bias"])}
    shape = f"X {S}×{M}, W {N}×{M}, b 1×{N}, ∂L/∂Y {S}×{N}, standard normal"
    for key, value, what in (("q2_linear_weight", lin.grads["weight"], "LinearModule.backward → grads['weight']"),
                             ("q2_linear_bias", lin.grads["bias"], "LinearModule.backward → grads['bias']"),
                             ("q2_linear_input", dx, "LinearModule.backward → dL/dX")):
        out[key] = _compare(value, claims[key](**mats), what, shape)

    # ReLU.
    relu = ReLUModule()
    X, G = rng.standard_normal((S, N)), rng.standard_normal((S, N))
    relu.forward(X)
    out["q2_relu"] = _compare(relu.backward(G), claims["q2_relu"](G=_sym(G), X=_sym(X)),
                              "ReLUModule.backward", f"X and ∂L/∂Y {S}×{N}, standard normal")

    # Softmax: the closed form gets the softmax computed by the closed-form forward pass.
    soft = SoftMaxModule()
    X, G = 3 * rng.standard_normal((S, N)), rng.standard_normal((S, N))
    soft.forward(X)
    Y = identities.softmax_forward(_sym(X))
    out["q2_softmax"] = _compare(soft.backward(G), claims["q2_softmax"](G=_sym(G), Y=Y),
                                 "SoftMaxModule.backward",
                                 f"X {S}×{N} with standard deviation 3, ∂L/∂Y standard normal")

    # Cross-entropy of softmax probabilities and integer labels: T is the one-hot matrix of the labels.
    probs = soft.forward(rng.standard_normal((S, N)))
    labels = rng.integers(0, N, S)
    T = np.eye(N)[labels]
    out["q2_cross_entropy"] = _compare(CrossEntropyModule().backward(probs, labels),
                                       claims["q2_cross_entropy"](T=_sym(T), X=_sym(probs)),
                                       "CrossEntropyModule.backward", f"softmax probabilities {S}×{N}, random labels")
    return out
