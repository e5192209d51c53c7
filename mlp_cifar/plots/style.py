"""The look of every figure, and ``drawing``, the one place where a figure is made and saved.

Output is SVG sized for print (16 cm wide, fonts of 9 pt and up) and byte-for-byte reproducible:
fixed hash salt, no date, glyphs as paths::

    with drawing(out_svg) as draw:
        fig, ax = draw.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        ax.plot(...)
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Iterator, Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from mlp_cifar.atomic import atomic_path  # noqa: E402

CM = 1 / 2.54
WIDTH_IN = 16 * CM
HEIGHT_IN = 8.5 * CM

STYLE = {
    "svg.hashsalt": "mlp-cifar",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9.5,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.axisbelow": True,
    "lines.linewidth": 1.6,
    "path.simplify": False,  # keep every plotted point in the SVG
}

# Colour-blind-safe (Okabe-Ito), readable in greyscale print by order of lightness.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def css_id(name: str) -> str:
    """A string usable inside an SVG/HTML id: the run name with other characters replaced by '-'."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


class Drawing:
    """The figure being drawn inside ``drawing``: make it with ``subplots`` (exactly once)."""

    def __init__(self) -> None:
        self.fig: Figure | None = None

    def subplots(self, *args, **kwargs):
        """``plt.subplots(*args, **kwargs)``: returns (figure, axes); the figure is the one saved."""
        if self.fig is not None:
            raise RuntimeError("a drawing has one figure")
        self.fig, axes = plt.subplots(*args, **kwargs)
        return self.fig, axes


@contextmanager
def drawing(out_svg: str | os.PathLike, rc: Mapping | None = None) -> Iterator[Drawing]:
    """Draw one figure in the report's style (``STYLE``, then ``rc`` on top) and save it to ``out_svg``.

    The body makes the figure with ``draw.subplots(...)`` and draws on it. If the body succeeds the
    figure is written atomically as SVG (an error leaves no file behind); the figure is closed in
    either case.
    """
    draw = Drawing()
    with plt.rc_context(STYLE), plt.rc_context(rc):
        try:
            yield draw
            if draw.fig is None:
                raise RuntimeError(f"nothing was drawn for {out_svg}")
            with atomic_path(out_svg) as tmp:
                draw.fig.savefig(tmp, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.04)
        finally:
            if draw.fig is not None:
                plt.close(draw.fig)


def legend_below(fig: Figure, runs: list, key: list) -> None:
    """One legend below the axes: the runs (by colour) in the left column, the line styles in the right.

    Legends fill column by column, so the shorter column is padded with blank entries.
    """
    rows = max(len(runs), len(key))
    blank = Line2D([], [], linestyle="none", label=" ")
    runs = runs + [blank] * (rows - len(runs))
    key = key + [blank] * (rows - len(key))
    fig.legend(handles=runs + key, loc="outside lower center", ncols=2, frameon=False, columnspacing=3.0)


def key_line(label: str, **style) -> Line2D:
    """A legend entry for a line style, in neutral grey (the colours stand for the runs)."""
    return Line2D([], [], color="#444444", label=label, **style)
