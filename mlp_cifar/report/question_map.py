"""The question map: each question of the original assignment, and where this report answers it.

The numbering is the assignment's (../shared/DESIGN.md). Each question lists the parts of the report
that answer it as (label, anchor); a build without some part (no sweep configured, say) has no such
anchor, and `drop_dangling_links` removes those links after rendering, so the map never points at
nothing.
"""

from __future__ import annotations

import re

QUESTIONS = [
    ("1a–d", "Derivatives of xᵀBx, of tr(VXW) with respect to X, of the Euclidean norm, of tr(S)",
     [("1a", "derivation-q1_quadratic_form"), ("1b", "derivation-q1_trace_product"), ("1c", "derivation-q1_norm"),
      ("1d", "derivation-q1_trace")]),
    ("2a–c", "Backpropagation through the linear module (dL/dW, dL/db, dL/dX), an element-wise activation "
             "and ReLU, the softmax and the cross-entropy",
     [("2a", "derivation-q2_linear"), ("2b", "derivation-q2_elementwise"), ("2c softmax", "derivation-q2_softmax"),
      ("2c cross-entropy", "derivation-q2_cross_entropy")]),
    ("3", "The NumPy MLP with the default settings: loss per batch, validation accuracy per epoch, best "
          "epoch, test accuracy",
     [("section", "results-numpy"), ("loss figure", "figure-batch-losses"),
      ("accuracy figure", "figure-val-accuracy")]),
    ("4a", "The same in PyTorch",
     [("section", "results-torch"), ("side by side", "backends"), ("parity", "parity")]),
    ("4b.i", "How the learning rate affects training: too low, too high",
     [("too small", "sweep-small"), ("too large", "sweep-large")]),
    ("4b.ii", "A strategy for changing the rate during training: time-based decay, illustrated",
     [("schedules", "schedules"), ("illustration", "figure-schedules-illustration"),
      ("results", "figure-schedules-val-accuracy")]),
    ("4b.iv", "Best validation accuracy against the learning rate; loss curves per rate; batch norm for "
              "the large rates",
     [("accuracy figure", "figure-sweep-accuracy"), ("loss figures", "figure-sweep-epoch-losses"),
      ("batch losses", "figure-sweep-batch-losses"), ("batch norm", "sweep-batch-norm")]),
    ("5", "E[ReLU(f)²] = σ²/2 for a symmetric zero-mean f, and He initialisation",
     [("derivation", "derivation-q5_second_moment"), ("He initialisation", "derivation-q5_he"),
      ("figure", "figure-relu-variance-depth")]),
]


def question_map() -> list[dict]:
    """The rows of the map, for the title section."""
    return [{"question": q, "asks": asks, "links": [{"label": label, "anchor": anchor} for label, anchor in links]}
            for q, asks, links in QUESTIONS]


_MAP = re.compile(r'<table id="table-question-map".*?</table>', re.S)
_MAP_LINK = re.compile(r'<a class="qmap" href="#([^"]+)">[^<]*</a>')
_ID = re.compile(r'\bid="([^"]+)"')


def drop_dangling_links(html: str) -> str:
    """Remove the map's links to anchors this document does not have; a cell left without any says so."""
    ids = set(_ID.findall(html))

    def fix(table: re.Match) -> str:
        text = _MAP_LINK.sub(lambda a: a.group(0) if a.group(1) in ids else "", table.group(0))
        text = re.sub(r'(<td class="qmap-links">)\s*(?:·\s*)*(.*?)(?:\s*·)*\s*(</td>)',
                      lambda m: m.group(1) + (_tidy(m.group(2)) or "not in this build") + m.group(3), text, flags=re.S)
        return text

    return _MAP.sub(fix, html)


def _tidy(links: str) -> str:
    """Join the links that are left with single separators."""
    parts = [p.strip() for p in links.split("·") if p.strip()]
    return " · ".join(parts)
