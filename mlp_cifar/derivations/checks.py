"""Machine checks of derivation results with SymPy.

Every checker takes the *claimed* closed form as a callable (so a wrong claim can
be fed to the same checker) and returns a :class:`Check`: passed or failed, how
it checked, and what it found. A checker never reports a pass it did not prove:
an entry whose difference SymPy cannot simplify to zero counts as a failure, a
claim of the wrong shape or one that cannot even be formed counts as a failure.

Conventions (the report states them too): the derivative of a scalar with
respect to a matrix has the shape of that matrix, ``(df/dX)[k, l] = df/dX_kl``;
the derivative of a scalar with respect to a column vector ``x`` is, where the
identity says so, the row vector ``[df/dx_1 ... df/dx_n]``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import sympy as sp


@dataclass(frozen=True)
class Check:
    passed: bool
    method: str  # how it was checked, one sentence
    detail: str  # what was found: "all 12 entries ... simplify to 0", or the first offending entry
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"passed": bool(self.passed), "method": self.method, "detail": self.detail,
                "seconds": round(self.seconds, 4)}


# ----------------------------------------------------------------------------- building blocks


def matrix(name: str, rows: int, cols: int, **assumptions) -> sp.Matrix:
    """A matrix of independent scalar symbols ``name_ij`` (1-based indices)."""
    if cols == 1 or rows == 1:  # a vector: one index
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + j + 1}", **assumptions))
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", **assumptions))


def shape_text(shapes: Mapping[str, tuple[int, int]]) -> str:
    return ", ".join(f"{name} {r}×{c}" for name, (r, c) in shapes.items())


def entrywise_gradient(f: sp.Expr, wrt: sp.Matrix) -> sp.Matrix:
    """The matrix of ``df/dwrt[k, l]``, of the shape of ``wrt``."""
    return wrt.applyfunc(lambda v: sp.diff(f, v))


def is_zero(expr: sp.Expr) -> bool:
    """True only if SymPy proves ``expr`` is identically zero."""
    if expr == 0:
        return True
    expr = sp.expand(expr)
    if expr == 0:
        return True
    return sp.simplify(expr) == 0


def show(expr) -> str:
    """A SymPy expression as short readable text: sigma**2/2 -> σ^2/2, pi -> π."""
    text = sp.sstr(expr).replace("**", "^")
    text = re.sub(r"\bsigma\b", "σ", text)
    text = re.sub(r"\bpi\b", "π", text)
    return text if len(text) <= 160 else text[:157] + "..."


def _as_matrix(value) -> sp.Matrix:
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    return sp.Matrix([[value]])


def compare(derived: sp.Matrix, claimed) -> tuple[bool, str]:
    """Whether ``claimed`` equals ``derived`` entry by entry (shape included), and what was found."""
    claimed = _as_matrix(claimed)
    if derived.shape != claimed.shape:
        return False, (f"shape mismatch: the entrywise derivative is {derived.rows}×{derived.cols}, "
                       f"the claim is {claimed.rows}×{claimed.cols}")
    for i in range(derived.rows):
        for j in range(derived.cols):
            if not is_zero(derived[i, j] - claimed[i, j]):
                residual = sp.simplify(derived[i, j] - claimed[i, j])
                return False, f"entry ({i + 1}, {j + 1}): derivative − claim = {show(residual)}, not 0"
    n = derived.rows * derived.cols
    return True, f"all {n} entr{'y' if n == 1 else 'ies'} of derivative − claim simplify to 0"


def _form_claim(claim: Callable, **kwargs):
    """Build the claimed closed form; a claim that cannot be formed (say, a product of
    incompatible shapes) is returned as the error message instead."""
    try:
        return claim(**kwargs), None
    except Exception as err:  # noqa: BLE001 - any failure to form the claim is a failed check
        return None, f"the claim cannot be formed: {type(err).__name__}: {err}"


def _timed(fn: Callable[[], tuple[bool, str]], method: str) -> Check:
    start = time.perf_counter()
    passed, detail = fn()
    return Check(bool(passed), method, detail, time.perf_counter() - start)


# ----------------------------------------------------------------------------- derivatives


def check_gradient(scalar: Callable[..., sp.Expr], wrt: str, shapes: Mapping[str, tuple[int, int]],
                   claim: Callable, row_vector: bool = False,
                   assumptions: Mapping[str, Mapping] | None = None) -> Check:
    """``d scalar / d wrt`` computed entry by entry equals ``claim``.

    ``scalar(**matrices)`` is the scalar function, ``shapes`` the shape of each
    symbolic matrix, ``claim(**matrices)`` the claimed closed form. With
    ``row_vector`` the derivative with respect to a column vector is laid out
    as a row.
    """
    assumptions = assumptions or {}
    mats = {name: matrix(name, r, c, **assumptions.get(name, {"real": True})) for name, (r, c) in shapes.items()}
    layout = "a row vector" if row_vector else f"a matrix of the shape of {wrt}"
    method = (f"SymPy differentiates the scalar with respect to each entry of {wrt} "
              f"({shape_text(shapes)}, independent symbols), lays the results out as {layout}, "
              f"and simplifies derivative − claim entry by entry")

    def run():
        f = scalar(**mats)
        f = f[0, 0] if isinstance(f, sp.MatrixBase) else f
        derived = entrywise_gradient(f, mats[wrt])
        if row_vector:
            derived = derived.T
        value, error = _form_claim(claim, **mats)
        return (False, error) if error else compare(derived, value)

    return _timed(run, method)


def _replace_outer_derivatives(expr: sp.Expr, L: sp.FunctionClass, point: Sequence[sp.Expr],
                               grads: Sequence[sp.Symbol]) -> sp.Expr:
    """Replace each derivative of the undefined function ``L`` with respect to its k-th
    argument, evaluated at ``point`` (= the entries of Y), by the symbol ``grads[k]``
    (= dL/dY at that entry). Anything else of ``L`` left over is an error."""

    def index_of(args, var):
        hits = [k for k, a in enumerate(args) if a == var]
        if len(hits) != 1:
            raise ValueError(f"cannot tell which argument of L {var} is")
        return hits[0]

    def replace_subs(s: sp.Subs):
        d = s.expr
        if not (isinstance(d, sp.Derivative) and d.expr.func == L and len(d.variable_count) == 1
                and d.variable_count[0][1] == 1 and len(s.variables) == 1):
            raise ValueError(f"unexpected term in the chain rule: {s}")
        var = d.variable_count[0][0]
        k = index_of(d.expr.args, var)
        args = [s.point[0] if a == var else a for a in d.expr.args]
        if var != s.variables[0] or list(args) != list(point):
            raise ValueError(f"derivative of L evaluated away from Y: {s}")
        return grads[k]

    expr = expr.replace(lambda e: isinstance(e, sp.Subs), replace_subs)

    def replace_derivative(d: sp.Derivative):
        if d.expr.func != L or list(d.expr.args) != list(point) or sum(c for _, c in d.variable_count) != 1:
            raise ValueError(f"unexpected term in the chain rule: {d}")
        return grads[index_of(d.expr.args, d.variable_count[0][0])]

    expr = expr.replace(lambda e: isinstance(e, sp.Derivative) and e.expr.func == L, replace_derivative)
    if expr.has(L):
        raise ValueError(f"L is left in the derivative: {expr}")
    return expr


def check_backprop(forward: Callable[..., sp.Matrix], wrt: str, shapes: Mapping[str, tuple[int, int]],
                   claim: Callable, assumptions: Mapping[str, Mapping] | None = None,
                   extra: Mapping | None = None) -> Check:
    """``dL/d wrt`` of ``L(forward(...))``, for ``L`` an arbitrary (undefined) scalar
    function of every entry of ``Y = forward(...)``, equals ``claim(G=dL/dY, Y=Y, ...)``.

    SymPy applies the chain rule itself; each derivative of ``L`` with respect to
    its argument ``Y_sk`` is then named ``G_sk``, so the claim is written in terms
    of the upstream gradient ``G = dL/dY`` (of the shape of ``Y``).
    """
    assumptions = assumptions or {}
    extra = dict(extra or {})
    mats = {name: matrix(name, r, c, **assumptions.get(name, {"real": True})) for name, (r, c) in shapes.items()}
    method = (f"SymPy differentiates L(Y) entry by entry with respect to {wrt}, for L an undefined scalar "
              f"function of all entries of Y ({shape_text(shapes)}), names ∂L/∂Y_sk as G_sk, and "
              f"simplifies derivative − claim entry by entry")

    def run():
        Y = forward(**mats, **extra)
        point = list(Y)
        L = sp.Function("L")
        G = matrix("G", Y.rows, Y.cols, real=True)
        composite = L(*point)
        derived = mats[wrt].applyfunc(
            lambda v: _replace_outer_derivatives(sp.diff(composite, v), L, point, list(G)))
        value, error = _form_claim(claim, G=G, Y=Y, **mats, **extra)
        return (False, error) if error else compare(derived, value)

    return _timed(run, method)


# ----------------------------------------------------------------------------- expectations

x = sp.Symbol("x", real=True)
sigma = sp.Symbol("sigma", positive=True)


@dataclass(frozen=True)
class Law:
    """A distribution given by its density, piece by piece: ``(density(x), lower, upper)``."""

    name: str
    tex: str  # e.g. r"\mathcal{N}(0, \sigma^2)"
    pieces: tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]

    def expect(self, g: sp.Expr, lower: sp.Expr = -sp.oo) -> sp.Expr:
        """E[g(f)] restricted to f >= lower, i.e. the integral of g(x) p(x) over [lower, inf)."""
        total = sp.Integer(0)
        for density, lo, hi in self.pieces:
            a, b = sp.Max(lo, lower), sp.Max(hi, lower)
            if a == b:
                continue
            total += sp.integrate(g * density, (x, a, b))
        return sp.simplify(total)

    def is_symmetric(self) -> bool:
        """Whether x -> -x maps the pieces onto themselves (so p(-x) = p(x))."""
        mirrored = [(d.subs(x, -x), -hi, -lo) for d, lo, hi in self.pieces]
        unmatched = list(self.pieces)
        for d, lo, hi in mirrored:
            for k, (d2, lo2, hi2) in enumerate(unmatched):
                if _same(lo, lo2) and _same(hi, hi2) and is_zero(d - d2):
                    del unmatched[k]
                    break
            else:
                return False
        return not unmatched


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """a == b for bounds that may be infinite (where a - b is not defined)."""
    if a == b:
        return True
    if a.is_infinite or b.is_infinite:
        return False
    return is_zero(a - b)


def relu_moment(law: Law, power: int) -> sp.Expr:
    """E[ReLU(f)^power] = the integral of x^power p(x) over x >= 0 (ReLU(f)^p = 0 for f < 0)."""
    return law.expect(x ** power, lower=sp.Integer(0))


def check_expectation(law: Law, quantity: Callable[[Law], sp.Expr], quantity_text: str, claim: Callable,
                      symmetric: bool | None = True, differs_from: sp.Expr | None = None,
                      claim_label: str = "the claim") -> Check:
    """``quantity(law)`` equals ``claim(sigma=sigma)`` exactly, with symbolic sigma > 0.

    Also checks the law's premises: it integrates to 1, has mean 0 and variance
    sigma^2, and is symmetric (``symmetric=True``) or not (``False``). With
    ``differs_from`` the claim must moreover differ from that value (a
    counterexample). ``claim_label`` names the claimed value in the messages.
    """
    method = (f"SymPy integrates {quantity_text} for the {law.name} law with symbolic σ > 0, after checking "
              f"that its density integrates to 1 with mean 0 and variance σ²"
              + ("" if symmetric is None else f" and that it is {'symmetric' if symmetric else 'not symmetric'}")
              + (f"; then compares with {claim_label}" if differs_from is None else
                 f"; then compares with {claim_label} and checks that it differs from {show(differs_from)}"))

    def run():
        premises = [("total probability", law.expect(sp.Integer(1)), sp.Integer(1)),
                    ("mean", law.expect(x), sp.Integer(0)),
                    ("variance", law.expect(x ** 2) - law.expect(x) ** 2, sigma ** 2)]
        for what, got, want in premises:
            if not is_zero(got - want):
                return False, f"premise fails: {what} is {show(got)}, not {show(want)}"
        if symmetric is not None and law.is_symmetric() != symmetric:
            return False, f"premise fails: the law is {'not ' if symmetric else ''}symmetric"
        value, error = _form_claim(claim, sigma=sigma)
        if error:
            return False, error
        got = quantity(law)
        if not is_zero(got - value):
            return False, f"{quantity_text} = {show(got)}, but {claim_label} is {show(value)}"
        if differs_from is not None and is_zero(value - differs_from):
            return False, f"the value {show(value)} does not differ from {show(differs_from)}"
        tail = "" if differs_from is None else f", which is not {show(differs_from)}"
        return True, f"{quantity_text} = {show(got)}, equal to {claim_label}{tail}"

    return _timed(run, method)


def all_passed(checks: Iterable[Check]) -> bool:
    return all(c.passed for c in checks)
