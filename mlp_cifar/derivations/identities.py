r"""The assignment's derivations (questions 1, 2 and 5) as data, each result with the check that proves it.

A :class:`Derivation` is a statement, the steps (LaTeX, each with a line of
prose; ``$...$`` in prose is inline maths), and one or more :class:`Result`\ s.
A result carries its closed form twice: as LaTeX for the report and as a
``claim`` callable that builds it in SymPy, and a ``check`` that takes a claim
and proves it (or not) by machine. ``result.verify()`` checks the true claim;
``result.verify(wrong)`` feeds a wrong one to the same checker.

    doc = run_all()            # every check, as one JSON-ready document
    doc["passed"]              # True only if every check passed
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from mlp_cifar.derivations.checks import (
    Check,
    Law,
    check_backprop,
    check_expectation,
    check_gradient,
    relu_moment,
    sigma,
    x,
)


@dataclass(frozen=True)
class Step:
    text: str  # prose leading to the equation; ``$...$`` is inline maths
    tex: str  # the display equation


@dataclass(frozen=True)
class Result:
    key: str
    tex: str  # the final result, LaTeX
    claim: Callable  # builds the claimed closed form in SymPy
    check: Callable[[Callable], Check]  # proves a claim, or reports why not
    code: str | None = None  # the NumPy module (and output) implementing it, if any

    def verify(self, claim: Callable | None = None) -> Check:
        return self.check(self.claim if claim is None else claim)


@dataclass(frozen=True)
class Derivation:
    key: str
    question: int
    title: str
    statement: str
    steps: tuple[Step, ...]
    results: tuple[Result, ...]
    convention: str = ""  # where it differs from the question's


@dataclass(frozen=True)
class Question:
    number: int
    title: str
    intro: str
    derivations: tuple[Derivation, ...] = field(default_factory=tuple)
    convention: str = ""  # the layout convention of the question's derivatives (a derivation may override it)


ROW_CONVENTION = (r"the derivative of a scalar $f$ with respect to a column vector $\mathbf{x}$ is the row vector "
                  r"of its partial derivatives, $(\partial f/\partial\mathbf{x})_k = \partial f/\partial x_k$.")
SHAPE_CONVENTION = (r"the derivative of a scalar $f$ with respect to a matrix or vector $\mathbf{X}$ has the shape "
                    r"of $\mathbf{X}$, $(\partial f/\partial\mathbf{X})_{kl} = \partial f/\partial X_{kl}$.")

# ============================================================================= question 1

_Q1 = (
    Derivation(
        key="q1_quadratic_form", question=1, title="Quadratic form",
        statement=r"For $\mathbf{x} \in \mathbb{R}^{n}$ and a square $\mathbf{B} \in \mathbb{R}^{n \times n}$ "
                  r"(not necessarily symmetric):",
        convention=ROW_CONVENTION,
        steps=(
            Step(r"Write the form with indices:",
                 r"\mathbf{x}^{\top}\mathbf{B}\mathbf{x} = \sum_{i=1}^{n}\sum_{j=1}^{n} x_i\, B_{ij}\, x_j ."),
            Step(r"Differentiate with respect to $x_k$. By the product rule each of the two factors $x$ "
                 r"contributes once, with $\partial x_i/\partial x_k = \delta_{ik}$:",
                 r"\frac{\partial\, \mathbf{x}^{\top}\mathbf{B}\mathbf{x}}{\partial x_k}"
                 r" = \sum_{i,j} \delta_{ik} B_{ij} x_j + \sum_{i,j} x_i B_{ij} \delta_{jk}"
                 r" = \sum_{j} B_{kj} x_j + \sum_{i} x_i B_{ik} ."),
            Step(r"The first sum is entry $k$ of $\mathbf{B}\mathbf{x}$, that is of the row "
                 r"$\mathbf{x}^{\top}\mathbf{B}^{\top}$; the second is entry $k$ of the row "
                 r"$\mathbf{x}^{\top}\mathbf{B}$:",
                 r"\frac{\partial\, \mathbf{x}^{\top}\mathbf{B}\mathbf{x}}{\partial x_k}"
                 r" = \big(\mathbf{x}^{\top}\mathbf{B}^{\top}\big)_k + \big(\mathbf{x}^{\top}\mathbf{B}\big)_k ."),
        ),
        results=(Result(
            key="q1_quadratic_form",
            tex=r"\frac{\partial\, \mathbf{x}^{\top}\mathbf{B}\mathbf{x}}{\partial \mathbf{x}}"
                r" = \mathbf{x}^{\top}\big(\mathbf{B}^{\top} + \mathbf{B}\big)",
            claim=lambda x, B, **_: x.T * (B.T + B),
            check=lambda claim: check_gradient(lambda x, B: (x.T * B * x)[0, 0], "x", {"x": (3, 1), "B": (3, 3)},
                                               claim, row_vector=True),
        ),),
    ),
    Derivation(
        key="q1_trace_product", question=1, title="Trace of a product",
        statement=r"For $\mathbf{V} \in \mathbb{R}^{p \times m}$, $\mathbf{X} \in \mathbb{R}^{m \times n}$ and "
                  r"$\mathbf{W} \in \mathbb{R}^{n \times p}$, so that $\mathbf{V}\mathbf{X}\mathbf{W}$ is square:",
        steps=(
            Step(r"Write the trace with indices:",
                 r"\operatorname{tr}(\mathbf{V}\mathbf{X}\mathbf{W}) ="
                 r" \sum_{i=1}^{p} (\mathbf{V}\mathbf{X}\mathbf{W})_{ii}"
                 r" = \sum_{i=1}^{p}\sum_{j=1}^{m}\sum_{q=1}^{n} V_{ij}\, X_{jq}\, W_{qi} ."),
            Step(r"Only the terms with $j = k$ and $q = l$ contain $X_{kl}$:",
                 r"\frac{\partial \operatorname{tr}(\mathbf{V}\mathbf{X}\mathbf{W})}{\partial X_{kl}}"
                 r" = \sum_{i=1}^{p} V_{ik}\, W_{li} = \sum_{i=1}^{p} \big(\mathbf{V}^{\top}\big)_{ki}"
                 r" \big(\mathbf{W}^{\top}\big)_{il} = \big(\mathbf{V}^{\top}\mathbf{W}^{\top}\big)_{kl} ."),
        ),
        results=(Result(
            key="q1_trace_product",
            tex=r"\frac{\partial \operatorname{tr}(\mathbf{V}\mathbf{X}\mathbf{W})}{\partial \mathbf{X}}"
                r" = \mathbf{V}^{\top}\mathbf{W}^{\top}",
            claim=lambda V, W, **_: V.T * W.T,
            check=lambda claim: check_gradient(lambda V, X, W: (V * X * W).trace(), "X",
                                               {"V": (2, 3), "X": (3, 4), "W": (4, 2)}, claim),
        ),),
    ),
    Derivation(
        key="q1_norm", question=1, title="Euclidean norm",
        statement=r"For $\mathbf{w} \in \mathbb{R}^{n}$, $\mathbf{w} \neq \mathbf{0}$:",
        steps=(
            Step(r"Write the norm with indices:",
                 r"\lVert\mathbf{w}\rVert = \Big(\sum_{i=1}^{n} w_i^2\Big)^{1/2} ."),
            Step(r"By the chain rule, for $\mathbf{w} \neq \mathbf{0}$:",
                 r"\frac{\partial \lVert\mathbf{w}\rVert}{\partial w_k}"
                 r" = \frac{1}{2}\Big(\sum_{i=1}^{n} w_i^2\Big)^{-1/2} \cdot 2 w_k"
                 r" = \frac{w_k}{\lVert\mathbf{w}\rVert} ."),
        ),
        results=(Result(
            key="q1_norm",
            tex=r"\frac{\partial \lVert\mathbf{w}\rVert}{\partial"
                r" \mathbf{w}} = \frac{\mathbf{w}}{\lVert\mathbf{w}\rVert}",
            claim=lambda w, **_: w / w.norm(),
            check=lambda claim: check_gradient(lambda w: w.norm(), "w", {"w": (4, 1)}, claim),
        ),),
    ),
    Derivation(
        key="q1_trace", question=1, title="Trace",
        statement=r"For a square $\mathbf{S} \in \mathbb{R}^{n \times n}$:",
        steps=(
            Step(r"The trace is the sum of the diagonal, so entry $(k, l)$ of the derivative is:",
                 r"\frac{\partial \operatorname{tr}(\mathbf{S})}{\partial S_{kl}}"
                 r" = \frac{\partial}{\partial S_{kl}} \sum_{i=1}^{n} S_{ii} = \sum_{i=1}^{n} \delta_{ik}\,\delta_{il}"
                 r" = \delta_{kl} ."),
        ),
        results=(Result(
            key="q1_trace",
            tex=r"\frac{\partial \operatorname{tr}(\mathbf{S})}{\partial \mathbf{S}} = \mathbf{I}_n",
            claim=lambda S, **_: sp.eye(S.rows),
            check=lambda claim: check_gradient(lambda S: S.trace(), "S", {"S": (3, 3)}, claim),
        ),),
    ),
)

# ============================================================================= question 2

LINEAR_SHAPES = {"X": (2, 3), "W": (4, 3), "b": (1, 4)}  # S = 2 examples, M = 3 inputs, N = 4 outputs
ACTIVATION_SHAPES = {"X": (2, 3)}


def linear_forward(X, W, b, **_):
    """Y = X W^T + B, B the bias row b repeated for every example."""
    return X * W.T + sp.ones(X.rows, 1) * b


def relu(v):
    return sp.Max(0, v)


def softmax_forward(X, **_):
    E = X.applyfunc(sp.exp)
    return sp.Matrix(E.rows, E.cols, lambda s, k: E[s, k] / sum(E[s, j] for j in range(E.cols)))


def softmax_backward_claim(G, Y, **_):
    """dL/dX = G o Y - ((G o Y) 1 1^T) o Y."""
    GY = G.multiply_elementwise(Y)
    return GY - (GY * sp.ones(Y.cols, 1) * sp.ones(1, Y.cols)).multiply_elementwise(Y)


def cross_entropy(T, X):
    """L = -(1/S) sum_{s,k} T_sk log X_sk."""
    return -sp.Rational(1, X.rows) * sum(T[i] * sp.log(X[i]) for i in range(len(X)))


def cross_entropy_claim(T, X, **_):
    return -sp.Rational(1, X.rows) * T.multiply_elementwise(X.applyfunc(lambda v: 1 / v))


_LINEAR_CHAIN = (r"Every entry of $\mathbf{Y}$ may depend on the parameter, so the chain rule sums over all of them, "
                 r"both the example index $s$ and the output index $k$:")

_Q2 = (
    Derivation(
        key="q2_linear", question=2, title="Linear module",
        statement=r"$\mathbf{Y} = \mathbf{X}\mathbf{W}^{\top} + \mathbf{B}$"
                  r" with $\mathbf{X} \in \mathbb{R}^{S \times M}$ "
                  r"($S$ examples), $\mathbf{W} \in \mathbb{R}^{N \times"
                  r" M}$, and $\mathbf{B} = \mathbf{1}_S\mathbf{b}$ "
                  r"the bias row $\mathbf{b} \in \mathbb{R}^{1 \times N}$ repeated for every example "
                  r"($\mathbf{1}_S$ a column of $S$ ones).",
        steps=(
            Step(r"Entry by entry,",
                 r"Y_{sk} = \sum_{j=1}^{M} X_{sj} W_{kj} + b_k ,"),
            Step(r"so the derivatives of one entry of $\mathbf{Y}$ are",
                 r"\frac{\partial Y_{sk}}{\partial W_{nm}} = \delta_{kn} X_{sm}, \quad"
                 r"\frac{\partial Y_{sk}}{\partial b_{n}} = \delta_{kn}, \quad"
                 r"\frac{\partial Y_{sk}}{\partial X_{tm}} = \delta_{st} W_{km} ."),
            Step(_LINEAR_CHAIN,
                 r"\frac{\partial L}{\partial W_{nm}} = \sum_{s=1}^{S}\sum_{k=1}^{N}"
                 r" \frac{\partial L}{\partial Y_{sk}}\, \delta_{kn} X_{sm}"
                 r" = \sum_{s=1}^{S} \frac{\partial L}{\partial Y_{sn}} X_{sm}"
                 r" = \Big(\Big(\frac{\partial L}{\partial \mathbf{Y}}\Big)^{\!\top} \mathbf{X}\Big)_{nm} ."),
            Step(r"The bias enters every example's row, so its gradient sums over the examples:",
                 r"\frac{\partial L}{\partial b_{n}} = \sum_{s=1}^{S}\sum_{k=1}^{N}"
                 r" \frac{\partial L}{\partial Y_{sk}}\, \delta_{kn}"
                 r" = \sum_{s=1}^{S} \frac{\partial L}{\partial Y_{sn}}"
                 r" = \Big(\mathbf{1}_S^{\top} \frac{\partial L}{\partial \mathbf{Y}}\Big)_{n} ."),
            Step(r"Input entry $X_{tm}$ only reaches row $t$ of $\mathbf{Y}$:",
                 r"\frac{\partial L}{\partial X_{tm}} = \sum_{s=1}^{S}\sum_{k=1}^{N}"
                 r" \frac{\partial L}{\partial Y_{sk}}\, \delta_{st} W_{km}"
                 r" = \sum_{k=1}^{N} \frac{\partial L}{\partial Y_{tk}} W_{km}"
                 r" = \Big(\frac{\partial L}{\partial \mathbf{Y}} \mathbf{W}\Big)_{tm} ."),
        ),
        results=(
            Result(key="q2_linear_weight",
                   tex=r"\frac{\partial L}{\partial \mathbf{W}} ="
                       r" \Big(\frac{\partial L}{\partial \mathbf{Y}}\Big)^{\!\top}"
                       r" \mathbf{X}",
                   claim=lambda G, X, **_: G.T * X,
                   check=lambda claim: check_backprop(linear_forward, "W", LINEAR_SHAPES, claim),
                   code="LinearModule.backward: grads['weight']"),
            Result(key="q2_linear_bias",
                   tex=r"\frac{\partial L}{\partial \mathbf{b}} ="
                       r" \mathbf{1}_S^{\top} \frac{\partial L}{\partial \mathbf{Y}}",
                   claim=lambda G, **_: sp.ones(1, G.rows) * G,
                   check=lambda claim: check_backprop(linear_forward, "b", LINEAR_SHAPES, claim),
                   code="LinearModule.backward: grads['bias']"),
            Result(key="q2_linear_input",
                   tex=r"\frac{\partial L}{\partial \mathbf{X}} = \frac{\partial L}{\partial \mathbf{Y}} \mathbf{W}",
                   claim=lambda G, W, **_: G * W,
                   check=lambda claim: check_backprop(linear_forward, "X", LINEAR_SHAPES, claim),
                   code="LinearModule.backward: returned dL/dX"),
        ),
    ),
    Derivation(
        key="q2_elementwise", question=2, title="Element-wise activation",
        statement=r"$\mathbf{Y} = h(\mathbf{X})$, a scalar function $h$ applied to every entry: "
                  r"$Y_{sk} = h(X_{sk})$.",
        steps=(
            Step(r"Entry $X_{tm}$ only reaches entry $Y_{tm}$, so of the double sum one term is left:",
                 r"\frac{\partial L}{\partial X_{tm}} = \sum_{s=1}^{S}\sum_{k=1}^{N}"
                 r" \frac{\partial L}{\partial Y_{sk}}\, h'(X_{sk})\, \delta_{st}\delta_{km}"
                 r" = \frac{\partial L}{\partial Y_{tm}}\, h'(X_{tm}) ."),
            Step(r"For the rectifier $h(z) = \max(0, z)$ the derivative is the unit step $H$ (undefined at "
                 r"$z = 0$, where the code takes 0, a subgradient):",
                 r"\operatorname{ReLU}'(z) = H(z) = \begin{cases} 1, & z > 0, \\ 0, & z < 0. \end{cases}"),
        ),
        results=(
            Result(key="q2_elementwise",
                   tex=r"\frac{\partial L}{\partial \mathbf{X}} = \frac{\partial"
                       r" L}{\partial \mathbf{Y}} \odot h'(\mathbf{X})",
                   claim=lambda G, X, h, **_: G.multiply_elementwise(X.applyfunc(lambda v: sp.diff(h(v), v))),
                   check=lambda claim: check_backprop(lambda X, h, **_: X.applyfunc(h), "X", ACTIVATION_SHAPES,
                                                      claim, extra={"h": sp.Function("h")})),
            Result(key="q2_relu",
                   tex=r"\frac{\partial L}{\partial \mathbf{X}} = \frac{\partial"
                       r" L}{\partial \mathbf{Y}} \odot H(\mathbf{X})"
                       r" \quad \text{for } h = \operatorname{ReLU}",
                   claim=lambda G, X, **_: G.multiply_elementwise(X.applyfunc(sp.Heaviside)),
                   check=lambda claim: check_backprop(lambda X, **_: X.applyfunc(relu), "X", ACTIVATION_SHAPES,
                                                      claim),
                   code="ReLUModule.backward"),
        ),
    ),
    Derivation(
        key="q2_softmax", question=2, title="Softmax",
        statement=r"Row-wise softmax, $Y_{sk} = \exp(X_{sk}) \big/ \sum_{j} \exp(X_{sj})$.",
        steps=(
            Step(r"Row $s$ of $\mathbf{Y}$ depends on row $s$ of $\mathbf{X}$ only; within the row, by the "
                 r"quotient rule,",
                 r"\frac{\partial Y_{sk}}{\partial X_{tm}} = \delta_{st}\, Y_{sk}\,\big(\delta_{km} - Y_{sm}\big) ."),
            Step(r"Sum over both indices of $\mathbf{Y}$; $\delta_{st}$ removes the sum over $s$, $\delta_{km}$ "
                 r"one of the two terms over $k$:",
                 r"\frac{\partial L}{\partial X_{tm}} = \sum_{s,k} \frac{\partial L}{\partial Y_{sk}}\,"
                 r" \delta_{st} Y_{sk}\big(\delta_{km} - Y_{sm}\big)"
                 r" = \frac{\partial L}{\partial Y_{tm}} Y_{tm}"
                 r" - \Big(\sum_{k=1}^{N} \frac{\partial L}{\partial Y_{tk}} Y_{tk}\Big) Y_{tm} ."),
            Step(r"The bracket is the row sum of $(\partial L/\partial \mathbf{Y}) \odot \mathbf{Y}$; "
                 r"multiplying by $\mathbf{1}_N\mathbf{1}_N^{\top}$ ($\mathbf{1}_N$ a column of $N$ ones) copies "
                 r"it into every column of its row:",
                 r"\Big(\Big(\frac{\partial L}{\partial \mathbf{Y}} \odot \mathbf{Y}\Big)"
                 r" \mathbf{1}_N\mathbf{1}_N^{\top}\Big)_{tm} ="
                 r" \sum_{k=1}^{N} \frac{\partial L}{\partial Y_{tk}} Y_{tk} ."),
        ),
        results=(Result(
            key="q2_softmax",
            tex=r"\frac{\partial L}{\partial \mathbf{X}} = \frac{\partial L}{\partial \mathbf{Y}} \odot \mathbf{Y}"
                r" - \Big(\Big(\frac{\partial L}{\partial \mathbf{Y}} \odot"
                r" \mathbf{Y}\Big) \mathbf{1}_N\mathbf{1}_N^{\top}\Big)"
                r" \odot \mathbf{Y}",
            claim=softmax_backward_claim,
            check=lambda claim: check_backprop(softmax_forward, "X", ACTIVATION_SHAPES, claim),
            code="SoftMaxModule.backward",
        ),),
    ),
    Derivation(
        key="q2_cross_entropy", question=2, title="Cross-entropy",
        statement=r"$L = -\frac{1}{S}\sum_{s,k} T_{sk} \log X_{sk}$ for probabilities $\mathbf{X}$ and targets "
                  r"$\mathbf{T}$ (one-hot rows for class labels), both $S \times N$.",
        steps=(
            Step(r"Each term contains one entry of $\mathbf{X}$:",
                 r"\frac{\partial L}{\partial X_{tm}} = -\frac{1}{S}"
                 r" \sum_{s,k} T_{sk}\, \frac{\delta_{st}\delta_{km}}{X_{sk}}"
                 r" = -\frac{1}{S} \frac{T_{tm}}{X_{tm}} ."),
        ),
        results=(Result(
            key="q2_cross_entropy",
            tex=r"\frac{\partial L}{\partial \mathbf{X}} = -\frac{1}{S}\, \mathbf{T} \oslash \mathbf{X}"
                r" \quad (\text{element-wise division})",
            claim=cross_entropy_claim,
            check=lambda claim: check_gradient(cross_entropy, "X", {"T": (2, 3), "X": (2, 3)}, claim,
                                               assumptions={"T": {"real": True}, "X": {"positive": True}}),
            code="CrossEntropyModule.backward",
        ),),
    ),
)

# ============================================================================= question 5

_a = sp.sqrt(3) * sigma  # uniform half-width with variance sigma^2
_b = sigma / sp.sqrt(2)  # Laplace scale with variance sigma^2

NORMAL = Law("normal", r"\mathcal{N}(0, \sigma^2)",
             ((sp.exp(-x ** 2 / (2 * sigma ** 2)) / (sigma * sp.sqrt(2 * sp.pi)), -sp.oo, sp.oo),))
UNIFORM = Law("uniform", r"\mathcal{U}\big(-\sqrt{3}\,\sigma, \sqrt{3}\,\sigma\big)", ((1 / (2 * _a), -_a, _a),))
LAPLACE = Law("Laplace", r"\operatorname{Laplace}\big(0, \sigma/\sqrt{2}\big)",
              ((sp.exp(x / _b) / (2 * _b), -sp.oo, sp.Integer(0)), (sp.exp(-x / _b) / (2 * _b), sp.Integer(0), sp.oo)))
SHIFTED_EXPONENTIAL = Law("shifted exponential", r"Z - \sigma,\ Z \sim \operatorname{Exp}(\text{mean } \sigma)",
                          ((sp.exp(-(x + sigma) / sigma) / sigma, -sigma, sp.oo),))
SYMMETRIC_LAWS = (NORMAL, UNIFORM, LAPLACE)

_SECOND = r"\mathbb{E}\big[\operatorname{ReLU}(f)^2\big]"


def _second_moment(law: Law) -> Result:
    return Result(
        key=f"q5_second_moment_{law.name.lower().replace(' ', '_')}",
        tex=rf"f \sim {law.tex}: \quad {_SECOND} = \frac{{\sigma^2}}{{2}}",
        claim=lambda sigma, **_: sigma ** 2 / 2,
        check=lambda claim: check_expectation(law, lambda law: relu_moment(law, 2), "E[ReLU(f)^2]", claim),
    )


def _relu_variance(law: Law) -> sp.Expr:
    return sp.simplify(relu_moment(law, 2) - relu_moment(law, 1) ** 2)


def _check_he_variance(claim: Callable) -> Check:
    """Var(w) = claim(n) makes n Var(w) E[ReLU(y)^2] = Var(y), with E[ReLU(y)^2] integrated for y ~ N(0, s^2)."""
    n = sp.Symbol("n", positive=True, integer=True)

    def quantity(law):
        return sp.simplify(n * claim(n=n) * relu_moment(law, 2))

    return check_expectation(NORMAL, quantity, "the next layer's variance n Var(w) E[ReLU(y)^2]",
                             lambda sigma, **_: sigma ** 2, claim_label="Var(y)")


_Q5 = (
    Derivation(
        key="q5_second_moment", question=5, title="The second moment of a rectified symmetric variable",
        statement=r"Let $f$ have mean $\mathbb{E} f = 0$, variance $\operatorname{Var} f = \sigma^2$ and a density "
                  r"symmetric about zero, $p(-x) = p(x)$. Then, whatever the law,",
        steps=(
            Step(r"$\operatorname{ReLU}(f)^2$ equals $f^2$ where $f > 0$ and is 0 elsewhere:",
                 rf"{_SECOND} = \int_{{0}}^{{\infty}} x^2\, p(x)\, \mathrm{{d}}x ."),
            Step(r"By symmetry the negative half-line contributes as much to $\mathbb{E} f^2$ as the positive one:",
                 r"\int_{0}^{\infty} x^2\, p(x)\, \mathrm{d}x = \frac{1}{2} \int_{-\infty}^{\infty} x^2\, p(x)\,"
                 r" \mathrm{d}x = \frac{1}{2}\, \mathbb{E}\big[f^2\big] ."),
            Step(r"And $\mathbb{E} f^2$ is the variance because the mean is zero. No step needs "
                 r"$\mathbb{E}[\operatorname{ReLU}(f)]$:",
                 r"\mathbb{E}\big[f^2\big] = \operatorname{Var} f + (\mathbb{E} f)^2 = \sigma^2"
                 rf" \quad\Longrightarrow\quad {_SECOND} = \frac{{\sigma^2}}{{2}} ."),
        ),
        results=tuple(_second_moment(law) for law in SYMMETRIC_LAWS),
    ),
    Derivation(
        key="q5_mean", question=5, title="The mean of a rectified variable is not zero",
        statement=r"The original answer used $\mathbb{E}[\operatorname{ReLU}(f)] = 0$. That is false: "
                  r"$\operatorname{ReLU}(f) \geq 0$, and it is positive whenever $f > 0$. For "
                  r"$f \sim \mathcal{N}(0, \sigma^2)$:",
        steps=(
            Step(r"Integrate over the positive half-line, where $x\,\mathrm{e}^{-x^2/(2\sigma^2)}$ has an "
                 r"elementary antiderivative:",
                 r"\mathbb{E}\big[\operatorname{ReLU}(f)\big] = \int_{0}^{\infty} \frac{x}{\sigma\sqrt{2\pi}}\,"
                 r" \mathrm{e}^{-x^2/(2\sigma^2)}\, \mathrm{d}x"
                 r" = \frac{\sigma}{\sqrt{2\pi}} \Big[-\mathrm{e}^{-x^2/(2\sigma^2)}\Big]_{0}^{\infty}"
                 r" = \frac{\sigma}{\sqrt{2\pi}} ."),
            Step(r"So the variance of $\operatorname{ReLU}(f)$ is smaller than its second moment, and the quantity "
                 r"the variance argument needs is the second moment:",
                 r"\operatorname{Var}\big[\operatorname{ReLU}(f)\big] = \frac{\sigma^2}{2} - \frac{\sigma^2}{2\pi}"
                 r" \neq \frac{\sigma^2}{2} ."),
        ),
        results=(
            Result(key="q5_relu_mean_normal",
                   tex=r"\mathbb{E}\big[\operatorname{ReLU}(f)\big] = \frac{\sigma}{\sqrt{2\pi}} \approx 0.399\,\sigma",
                   claim=lambda sigma, **_: sigma / sp.sqrt(2 * sp.pi),
                   check=lambda claim: check_expectation(NORMAL, lambda law: relu_moment(law, 1), "E[ReLU(f)]",
                                                         claim)),
            Result(key="q5_relu_variance_normal",
                   tex=r"\operatorname{Var}\big[\operatorname{ReLU}(f)\big] = \frac{(\pi - 1)\,\sigma^2}{2\pi}"
                       r" \approx 0.341\,\sigma^2",
                   claim=lambda sigma, **_: (sp.pi - 1) * sigma ** 2 / (2 * sp.pi),
                   check=lambda claim: check_expectation(NORMAL, _relu_variance, "Var[ReLU(f)]", claim)),
        ),
    ),
    Derivation(
        key="q5_asymmetric", question=5, title="Symmetry is needed",
        statement=r"Zero mean is not enough. Let $Z$ be exponential with mean $\sigma$ and $f = Z - \sigma$: then "
                  r"$\mathbb{E} f = 0$ and $\operatorname{Var} f = \sigma^2$, but the density "
                  r"$p(x) = \sigma^{-1} \mathrm{e}^{-(x + \sigma)/\sigma}$ for $x \geq -\sigma$ is not symmetric.",
        steps=(
            Step(r"Substitute $x = \sigma u$ in the integral over the positive half-line:",
                 rf"{_SECOND} = \int_{{0}}^{{\infty}} \frac{{x^2}}{{\sigma}}\, \mathrm{{e}}^{{-(x + \sigma)/\sigma}}"
                 r" \,\mathrm{d}x = \mathrm{e}^{-1} \sigma^2 \int_{0}^{\infty} u^2\, \mathrm{e}^{-u}\, \mathrm{d}u"
                 r" = \frac{2\sigma^2}{\mathrm{e}} ."),
        ),
        results=(Result(
            key="q5_asymmetric_counterexample",
            tex=rf"{_SECOND} = \frac{{2\sigma^2}}{{\mathrm{{e}}}} \approx 0.736\,\sigma^2 \neq \frac{{\sigma^2}}{{2}}",
            claim=lambda sigma, **_: 2 * sigma ** 2 / sp.E,
            check=lambda claim: check_expectation(SHIFTED_EXPONENTIAL, lambda law: relu_moment(law, 2),
                                                  "E[ReLU(f)^2]", claim, symmetric=False,
                                                  differs_from=sigma ** 2 / 2),
        ),),
    ),
    Derivation(
        key="q5_he", question=5, title="Why He initialisation has the factor 2",
        statement=r"Layer $l$ computes $\mathbf{y}_l = \mathbf{W}_l \mathbf{x}_l$ from "
                  r"$\mathbf{x}_l = \operatorname{ReLU}(\mathbf{y}_{l-1})$ with $n_l$ inputs and weights drawn "
                  r"independently with mean 0 and variance $v_l$ (biases 0). Then $y_{l-1}$, a sum of independent "
                  r"terms symmetric about 0, is itself symmetric with mean 0, so the result above applies to it.",
        steps=(
            Step(r"The $n_l$ terms $w x$ of one output are independent with mean 0, and "
                 r"$\mathbb{E}[(w x)^2] = v_l\, \mathbb{E}[x^2]$:",
                 r"\operatorname{Var}[y_l] = n_l\, v_l\, \mathbb{E}\big[x_l^2\big]"
                 r" = n_l\, v_l\, \mathbb{E}\big[\operatorname{ReLU}(y_{l-1})^2\big]"
                 r" = \frac{n_l\, v_l}{2}\, \operatorname{Var}[y_{l-1}] ."),
            Step(r"Over the layers the factors multiply; the variance neither vanishes nor explodes with depth "
                 r"only if every factor is 1:",
                 r"\operatorname{Var}[y_L] = \operatorname{Var}[y_1] \prod_{l=2}^{L} \frac{n_l\, v_l}{2},"
                 r" \qquad \frac{n_l\, v_l}{2} = 1 \iff v_l = \frac{2}{n_l} ."),
        ),
        results=(Result(
            key="q5_he_variance",
            tex=r"v_l = \operatorname{Var}[w_l] = \frac{2}{n_l} \quad\Longrightarrow\quad"
                r" \operatorname{Var}[y_l] = \operatorname{Var}[y_{l-1}]",
            claim=lambda n, **_: 2 / n,
            check=_check_he_variance,
        ),),
    ),
)

# ============================================================================= the questions

QUESTIONS = (
    Question(1, "Matrix calculus",
             r"Each identity is derived with indices and then checked by SymPy on matrices of independent "
             r"symbols, differentiating the scalar entry by entry. Where the identity allows it the matrices are "
             r"not square, so that a transpose in the wrong place shows up as a mismatch of shapes.",
             _Q1, convention=SHAPE_CONVENTION),
    Question(2, "Backpropagation through the modules",
             r"A module maps its input $\mathbf{X}$ to its output $\mathbf{Y}$, and the loss $L$ depends on "
             r"$\mathbf{X}$ only through $\mathbf{Y}$. Given $\partial L/\partial\mathbf{Y}$ (of the shape of "
             r"$\mathbf{Y}$), the chain rule sums over every entry $Y_{sk}$, example index $s$ and unit index $k$ "
             r"alike; these sums, not the final formulas, are where the original answer dropped or swapped indices. "
             r"SymPy checks each result with $L$ an undefined scalar function of all entries of $\mathbf{Y}$, so "
             r"nothing about $L$ is assumed, and each NumPy module's backward pass is compared with the closed form "
             r"on random inputs.",
             _Q2, convention=SHAPE_CONVENTION),
    Question(5, "The variance of a rectified variable, and He initialisation",
             r"The argument for He initialisation rests on one fact: a rectified zero-mean symmetric variable "
             r"keeps half of its second moment. SymPy proves it exactly, with symbolic $\sigma$, for three laws, "
             r"shows that the mean is not zero, and that without symmetry the fact fails.",
             _Q5),
)


def derivations() -> tuple[Derivation, ...]:
    return tuple(d for q in QUESTIONS for d in q.derivations)


def results() -> dict[str, Result]:
    return {r.key: r for d in derivations() for r in d.results}


def run_all(code_checks: Callable[[], dict] | None = None) -> dict:
    """Run every check and return the JSON-ready document of derivations and results.

    ``code_checks()``, if given, returns ``{result key: code check dict}`` (the
    NumPy modules against the closed forms), attached to those results.
    """
    start = time.perf_counter()
    code = code_checks() if code_checks else {}
    questions = []
    for q in QUESTIONS:
        derivs = []
        for d in q.derivations:
            rows = []
            for r in d.results:
                row = {"key": r.key, "tex": r.tex, "check": r.verify().as_dict(), "code": code.get(r.key)}
                if r.code and row["code"] is None and code_checks:
                    raise RuntimeError(f"no code check was run for {r.key} ({r.code})")
                rows.append(row)
            derivs.append({"key": d.key, "title": d.title, "statement": d.statement, "convention": d.convention,
                           "steps": [{"text": s.text, "tex": s.tex} for s in d.steps], "results": rows})
        questions.append({"number": q.number, "title": q.title, "intro": q.intro, "convention": q.convention,
                          "derivations": derivs})
    rows = [r for q in questions for d in q["derivations"] for r in d["results"]]
    failed = [r["key"] for r in rows if not r["check"]["passed"]]
    failed += [f"{r['key']} (code)" for r in rows if r["code"] is not None and not r["code"]["passed"]]
    return {
        "generator": "mlp_cifar.derivations",
        "sympy": sp.__version__,
        "questions": questions,
        "n_results": len(rows),
        "n_code_checks": sum(r["code"] is not None for r in rows),
        "failed": failed,
        "passed": not failed,
        "seconds": round(time.perf_counter() - start, 3),
    }
