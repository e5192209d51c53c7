"""Questions 1, 2 and 5: every derivation result is proved by SymPy, wrong ones are caught, the NumPy
modules match the closed forms, the empirical companions agree with theory, and the report section
shows each check's outcome (a failed check as FAILED)."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from mlp_cifar.derivations import identities, relu_variance
from mlp_cifar.derivations.checks import check_gradient, relu_moment, sigma
from mlp_cifar.derivations.code import code_checks
from mlp_cifar.numpy_net import modules
from mlp_cifar.plots.relu_variance import plot_relu_variance
from mlp_cifar.report.context import Figures
from mlp_cifar.report.derivations import derivations_context
from mlp_cifar.report.render import make_environment

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

EXPECTED = {
    1: {"q1_quadratic_form", "q1_trace_product", "q1_norm", "q1_trace"},
    2: {"q2_linear_weight", "q2_linear_bias", "q2_linear_input", "q2_elementwise", "q2_relu", "q2_softmax",
        "q2_cross_entropy"},
    5: {"q5_second_moment_normal", "q5_second_moment_uniform", "q5_second_moment_laplace", "q5_relu_mean_normal",
        "q5_relu_variance_normal", "q5_asymmetric_counterexample", "q5_he_variance"},
}
CODE_CHECKED = {"q2_linear_weight", "q2_linear_bias", "q2_linear_input", "q2_relu", "q2_softmax", "q2_cross_entropy"}


@pytest.fixture(scope="module")
def doc() -> dict:
    return run_all_json()


def run_all_json() -> dict:
    return json.loads(json.dumps(identities.run_all(code_checks), allow_nan=False))  # as the rule writes it


@pytest.fixture(scope="module")
def experiments() -> dict:
    return relu_variance.run_experiments()


def result_rows(document: dict) -> dict[str, dict]:
    return {r["key"]: r for q in document["questions"] for d in q["derivations"] for r in d["results"]}


# ----------------------------------------------------------------------------- the checks


def test_every_identity_is_listed_with_its_check_and_passes(doc):
    assert [q["number"] for q in doc["questions"]] == [1, 2, 5]
    for q in doc["questions"]:
        keys = {r["key"] for d in q["derivations"] for r in d["results"]}
        assert keys == EXPECTED[q["number"]]
        for d in q["derivations"]:
            assert d["statement"] and d["steps"] and all(s["tex"] for s in d["steps"])
    rows = result_rows(doc)
    for key, row in rows.items():
        check = row["check"]
        assert check["passed"] is True, (key, check["detail"])
        assert check["method"].startswith("SymPy") and check["detail"]
    assert {k for k, r in rows.items() if r["code"] is not None} == CODE_CHECKED
    assert doc["passed"] is True and doc["failed"] == [] and doc["n_results"] == 18 and doc["n_code_checks"] == 6
    assert doc["seconds"] < 60


def test_non_square_shapes_are_used_where_the_identity_allows(doc):
    method = result_rows(doc)["q1_trace_product"]["check"]["method"]
    assert "V 2×3, X 3×4, W 4×2" in method
    assert "X 2×3, W 4×3, b 1×4" in result_rows(doc)["q2_linear_weight"]["check"]["method"]


def trace_vw(V, W, **_):
    return V * W


WRONG = [
    # (result, wrong claim, what the failure says)
    ("q1_trace_product", trace_vw, "cannot be formed"),  # V (2x3) W (4x2): not even defined
    ("q1_trace_product", lambda V, W, **_: W * V, "shape mismatch"),  # the transpose of the right answer
    ("q1_quadratic_form", lambda x, B, **_: 2 * x.T * B, "entry"),  # only right for symmetric B
    ("q1_norm", lambda w, **_: w, "entry"),
    ("q2_linear_weight", lambda G, X, **_: X.T * G, "shape mismatch"),  # indices swapped
    ("q2_linear_input", lambda G, W, X, **_: G * W + X, "entry"),
    ("q2_linear_bias", lambda G, **_: G.T * sp.ones(G.rows, 1), "shape mismatch"),
    ("q2_softmax", lambda G, Y, **_: G.multiply_elementwise(Y), "entry"),  # without the second term
    ("q2_relu", lambda G, **_: G, "entry"),
    ("q2_cross_entropy", lambda T, X, **_: -T.multiply_elementwise(X.applyfunc(lambda v: 1 / v)), "entry"),
    ("q5_relu_mean_normal", lambda sigma, **_: 0, "but the claim is 0"),  # the original answer's step
    ("q5_second_moment_normal", lambda sigma, **_: sigma ** 2, "but the claim"),
    ("q5_asymmetric_counterexample", lambda sigma, **_: sigma ** 2 / 2, "but the claim"),
    ("q5_he_variance", lambda n, **_: 1 / n, "but Var(y)"),  # Xavier's variance for square layers
]


@pytest.mark.parametrize("key,wrong,message", WRONG, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(WRONG)])
def test_a_wrong_identity_fails(key, wrong, message):
    check = identities.results()[key].verify(wrong)
    assert check.passed is False
    assert message in check.detail, check.detail


def test_wrong_trace_identity_fails_on_values_too_when_shapes_agree():
    check = check_gradient(lambda V, X, W: (V * X * W).trace(), "X", {"V": (3, 3), "X": (3, 3), "W": (3, 3)},
                           trace_vw)
    assert not check.passed and check.detail.startswith("entry")
    right = check_gradient(lambda V, X, W: (V * X * W).trace(), "X", {"V": (3, 3), "X": (3, 3), "W": (3, 3)},
                           identities.results()["q1_trace_product"].claim)
    assert right.passed


def test_symmetry_premise_is_checked():
    law = identities.SHIFTED_EXPONENTIAL
    # The true value, but stated as if the law were symmetric: the premise check refuses it.
    from mlp_cifar.derivations.checks import check_expectation

    check = check_expectation(law, lambda law: relu_moment(law, 2), "E[ReLU(f)^2]",
                              lambda sigma, **_: 2 * sigma ** 2 / sp.E, symmetric=True)
    assert not check.passed and "not symmetric" in check.detail
    assert all(law.is_symmetric() for law in identities.SYMMETRIC_LAWS)


def test_a_failed_check_makes_the_document_fail(monkeypatch):
    q1 = identities.QUESTIONS[0]
    trace = next(d for d in q1.derivations if d.key == "q1_trace_product")
    wrong = dataclasses.replace(trace, results=(dataclasses.replace(trace.results[0], claim=trace_vw),))
    broken = dataclasses.replace(q1, derivations=tuple(wrong if d is trace else d for d in q1.derivations))
    monkeypatch.setattr(identities, "QUESTIONS", (broken,))
    bad = identities.run_all()
    assert bad["passed"] is False and bad["failed"] == ["q1_trace_product"]
    assert result_rows(bad)["q1_trace_product"]["check"]["passed"] is False


# ----------------------------------------------------------------------------- formulas -> code


def test_numpy_backward_passes_equal_the_closed_forms():
    checks = code_checks(seed=3)
    assert set(checks) == CODE_CHECKED
    for key, check in checks.items():
        assert check["passed"], (key, check)
        assert check["max_abs_error"] < 1e-12


def test_a_wrong_backward_pass_is_caught(monkeypatch):
    monkeypatch.setattr(modules.ReLUModule, "backward", lambda self, dout: dout)  # forgot the unit step
    monkeypatch.setattr(modules.SoftMaxModule, "backward", lambda self, dout: dout * self.out)  # no second term
    checks = code_checks()
    assert not checks["q2_relu"]["passed"] and not checks["q2_softmax"]["passed"]
    assert checks["q2_linear_weight"]["passed"]


# ----------------------------------------------------------------------------- empirical companions


def test_exact_values_of_the_experiments_are_the_sympy_ones():
    laws = {"normal": identities.NORMAL, "uniform": identities.UNIFORM, "Laplace": identities.LAPLACE,
            "shifted exponential": identities.SHIFTED_EXPONENTIAL}
    for name, (_, symmetric, second, first) in relu_variance.LAWS.items():
        law = laws[name]
        assert law.is_symmetric() == symmetric
        assert float(relu_moment(law, 2) / sigma ** 2) == pytest.approx(second, rel=1e-12)
        assert float(relu_moment(law, 1) / sigma) == pytest.approx(first, rel=1e-12)


def test_monte_carlo_agrees_with_the_exact_second_moment(experiments):
    rows = {r["law"]: r for r in experiments["monte_carlo"]}
    assert set(rows) == set(relu_variance.LAWS)
    for name, row in rows.items():
        assert abs(row["z"]) < 4, (name, row)
        assert row["sample_mean"] == pytest.approx(0, abs=5 * row["sigma"] / math.sqrt(row["n"]))
        assert row["sample_variance"] == pytest.approx(row["sigma"] ** 2, rel=0.01)
        assert abs(row["relu_mean_estimate"] - row["relu_mean_exact"]) < 0.01 * row["sigma"]
        if row["symmetric"]:
            assert row["exact"] == pytest.approx(row["sigma"] ** 2 / 2)
    asym = rows["shifted exponential"]
    assert abs(asym["estimate"] - asym["half_variance"]) > 20 * asym["standard_error"]  # symmetry matters


def test_he_keeps_the_variance_and_other_scales_do_not(experiments):
    depth = experiments["depth"]
    assert depth["depth"] == 20 and len(depth["layers"]) == 20
    curves = depth["curves"]
    he = np.array(curves["he"]["measured"])
    assert np.all((he > 0.5 * he[0]) & (he < 2 * he[0])), he  # roughly constant over 20 layers (mean of networks)
    assert curves["xavier"]["ratio_last_to_first"] < 1e-4  # halves at every layer
    assert curves["small"]["measured"][-1] < 1e-20 * curves["small"]["measured"][0]  # collapses
    assert curves["large"]["measured"][-1] > 1e6 * curves["large"]["measured"][0]  # explodes
    for curve in curves.values():  # and the recursion predicts each within a factor of 3 at the last layer
        assert 1 / 3 < curve["measured"][-1] / curve["predicted"][-1] < 3


def test_depth_figure_draws_every_curve(experiments, tmp_path):
    out = tmp_path / "depth.svg"
    plot_relu_variance({"relu_variance": experiments}, out)
    root = ET.parse(out).getroot()
    gids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    for key in experiments["depth"]["curves"]:
        assert f"variance_measured_{key}" in gids and f"variance_predicted_{key}" in gids


# ----------------------------------------------------------------------------- report section


def render_section(context: dict, figures: dict | None = None) -> str:
    figure = Figures(figures or {})
    return make_environment(TEMPLATES).get_template("sections/derivations.html.j2").render(
        derivations=context, figure=figure, has_figure=figure.has)


def result_block(html: str, key: str) -> str:
    """The HTML of one result, up to the next result, derivation or section."""
    start = html.index(f'id="result-{key}"')
    ends = [html.find(marker, start + 1) for marker in ('<div class="result ', '<div class="derivation"', "</section>")]
    return html[start: min(e for e in ends if e != -1)]


def test_section_shows_every_equation_and_a_verified_badge_per_result(doc, experiments, tmp_path):
    figure = tmp_path / "depth.svg"
    plot_relu_variance({"relu_variance": experiments}, figure)
    html = render_section(derivations_context(doc, experiments), {("relu_variance_depth", None): figure})
    for q in (1, 2, 5):
        assert f'id="derivations-q{q}"' in html
    rows = result_rows(doc)
    for key in rows:
        block = result_block(html, key)
        assert '<span class="badge verified">verified</span>' in block
        assert "FAILED" not in block
    assert html.count('class="badge verified">verified<') == len(rows) + 1  # + the summary
    assert html.count('class="badge small verified">code agrees<') == len(CODE_CHECKED)
    n_steps = sum(len(d["steps"]) for q in doc["questions"] for d in q["derivations"])
    assert html.count('<div class="equation">') == n_steps + len(rows)
    assert "\\frac" not in re.sub(r'aria-label="[^"]*"|<title>.*?</title>', "", html, flags=re.S)  # all typeset
    assert 'id="table-relu-monte-carlo"' in html and 'id="figure-relu-variance-depth"' in html
    assert "All 18 results were verified" in html


def test_a_failed_check_shows_as_failed(doc):
    bad = copy.deepcopy(doc)
    rows = result_rows(bad)
    rows["q1_trace_product"]["check"]["passed"] = False
    rows["q2_softmax"]["code"]["passed"] = False
    del rows["q5_relu_mean_normal"]["check"]["passed"]  # a missing outcome is not a pass
    html = render_section(derivations_context(bad))
    assert '<span class="badge failed">FAILED</span>' in result_block(html, "q1_trace_product")
    assert '<div class="result failed" id="result-q1_trace_product"' in html
    assert "code FAILED" in result_block(html, "q2_softmax")
    assert '<span class="badge failed">FAILED</span>' in result_block(html, "q5_relu_mean_normal")
    assert '<span class="badge verified">verified</span>' in result_block(html, "q1_norm")
    assert "Not every check passed" in html and "2 of 18 SymPy checks" in html
    assert "All 18 results" not in html
