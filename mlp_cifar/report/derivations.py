"""The report's derivation section: the derivations document (SymPy checks, code checks) and the
ReLU-variance experiments -> what ``sections/derivations.html.j2`` shows.

A result is shown as verified only if its check says ``passed: true``; anything
else (false, missing, malformed) is shown as FAILED.
"""

from __future__ import annotations

import html
import re
from typing import Mapping

from markupsafe import Markup

from mlp_cifar.report.equations import latex_svg

_INLINE_MATH = re.compile(r"\$([^$]+)\$")


def prose(text: str | None) -> Markup:
    """Plain text with ``$...$`` inline maths -> HTML with the maths typeset as inline SVG."""
    if not text:
        return Markup("")
    parts, last = [], 0
    for m in _INLINE_MATH.finditer(text):
        parts.append(html.escape(text[last:m.start()], quote=False))
        parts.append(latex_svg(m.group(1), size=1.0, inline=True))
        last = m.end()
    parts.append(html.escape(text[last:], quote=False))
    return Markup("".join(parts))


def _sentence(text: str) -> str:
    """First letter upper case, the rest untouched (unlike str.capitalize)."""
    return text[:1].upper() + text[1:]


def _status(check: Mapping | None) -> str:
    return "verified" if isinstance(check, Mapping) and check.get("passed") is True else "failed"


def derivations_context(results: Mapping, relu_variance: Mapping | None = None) -> dict:
    """``results``: the document of ``identities.run_all``; ``relu_variance``: that of
    ``relu_variance.run_experiments`` (its figure: ``relu_variance_depth`` in mlp_cifar.figures)."""

    questions, n_results, n_failed, n_code, n_code_failed = [], 0, 0, 0, 0
    for q in results.get("questions", []):
        derivs = []
        for d in q.get("derivations", []):
            rows = []
            for r in d.get("results", []):
                check = dict(r.get("check") or {})
                status = _status(check)
                code = dict(r["code"]) if r.get("code") is not None else None
                if code is not None:
                    code["status"] = _status(code)
                    n_code += 1
                    n_code_failed += code["status"] != "verified"
                n_results += 1
                n_failed += status != "verified"
                rows.append({"key": r["key"], "tex": r["tex"], "status": status,
                             "method": check.get("method", "no check recorded"),
                             "detail": _sentence(check.get("detail", "")), "code": code})
            derivs.append({"key": d["key"], "title": d["title"], "statement": prose(d.get("statement")),
                           "convention": prose(d.get("convention")),
                           "steps": [{"text": prose(s.get("text")), "tex": s["tex"]} for s in d.get("steps", [])],
                           "results": rows})
        questions.append({"number": q["number"], "title": q["title"], "intro": prose(q.get("intro")),
                          "convention": prose(q.get("convention")), "derivations": derivs})
    context = {
        "questions": questions,
        "n_results": n_results,
        "n_failed": n_failed,
        "n_code": n_code,
        "n_code_failed": n_code_failed,
        "passed": n_results > 0 and n_failed == 0 and n_code_failed == 0,
        "sympy": results.get("sympy"),
        "seconds": results.get("seconds"),
        "monte_carlo": None,
        "depth": None,
    }
    if relu_variance:
        context["monte_carlo"] = list(relu_variance.get("monte_carlo") or [])
        depth = relu_variance.get("depth")
        if depth:
            context["depth"] = {**depth, "rows": [
                {"key": key, **curve, "first": curve["measured"][0], "last": curve["measured"][-1],
                 "predicted_last": curve["predicted"][-1]} for key, curve in depth["curves"].items()]}
    return context
