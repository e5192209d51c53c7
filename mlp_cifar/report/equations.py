"""LaTeX -> inline SVG for the report, offline (ziamath ships its own STIX Two Math font).

Glyphs are drawn as plain ``<path>`` elements (ziafont's SVG 1.1 mode), so an
equation's SVG defines no ids at all and any number of them can sit in one
HTML document. Should an SVG nevertheless carry ids (another ziamath mode, a
matplotlib figure), ``prefix_svg_ids`` renames them and every reference to them.

Sizes are written in ``em``, so an equation scales with the text around it,
and inline equations are shifted down by their depth so that their baseline
sits on the text's baseline.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import threading
import warnings
from typing import Callable

from markupsafe import Markup

_LAYOUT_PX = 20.0  # ziamath lays out at this font size; the output is rescaled to em
_lock = threading.Lock()  # ziafont's configuration is global

_ID_ATTR = re.compile(r'\bid="([^"]+)"')
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_ATTR = re.compile(r'\s([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)"')


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") or "0"


def prefix_svg_ids(svg: str, prefix: str) -> str:
    """Rename every ``id`` in ``svg`` to ``prefix + id`` and rewrite the references to it
    (``href="#id"``, ``xlink:href="#id"``, ``url(#id)``), so that several SVGs can be
    inlined in one HTML document without clashing ids."""
    ids = set(_ID_ATTR.findall(svg))
    if not ids:
        return svg

    def rename(match: re.Match) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}{name}" if name in ids else match.group(0)

    svg = re.sub(r'(\bid=")([^"]+)(?=")', rename, svg)
    svg = re.sub(r'((?:xlink:)?href="#)([^"]+)(?=")', rename, svg)
    svg = re.sub(r"(url\(#)([^)]+)(?=\))", rename, svg)
    return svg


def _render(tex: str) -> tuple[str, float, float, float]:
    """(ziamath SVG, width, height, depth below the baseline) in layout px."""
    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ziamath loads its font with pkg_resources.path
        import ziafont
        import ziamath

        saved = ziafont.config.svg2
        ziafont.config.svg2 = False  # paths, no <symbol id=...> to clash
        try:
            svg = ziamath.Latex(tex, size=_LAYOUT_PX).svg()
        finally:
            ziafont.config.svg2 = saved
    attrs = dict(_ATTR.findall(_SVG_OPEN.search(svg).group(0)))
    x0, y0, w, h = (float(v) for v in attrs["viewBox"].split())
    return svg, w, h, max(0.0, y0 + h)  # the baseline is at y = 0


@functools.lru_cache(maxsize=512)
def _latex_svg(tex: str, size: float, inline: bool) -> str:
    svg, w, h, depth = _render(tex)
    scale = size / _LAYOUT_PX
    style = f"width:{_fmt(w * scale)}em;height:{_fmt(h * scale)}em"
    if inline:
        style += f";vertical-align:-{_fmt(depth * scale)}em"
    cls = "math inline" if inline else "math display"
    label = html.escape(tex, quote=True)
    opening = _SVG_OPEN.search(svg).group(0)
    attrs = dict(_ATTR.findall(opening))
    new_open = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{attrs["viewBox"]}" class="{cls}" '
                f'style="{style}" role="img" aria-label="{label}">')
    body = svg[len(opening):]
    return new_open + f"<title>{label}</title>" + body


def latex_svg(tex: str, size: float = 1.15, inline: bool = False, id_prefix: str | None = None) -> str:
    """Typeset ``tex`` (LaTeX math, no surrounding ``$``) as an ``<svg>`` element string.

    ``size`` is the math font size relative to the surrounding text (em);
    ``inline`` aligns the baseline with the text's. ``id_prefix``, if given,
    is put in front of any id the SVG defines (ziamath's path mode defines none).
    The TeX source is kept as the SVG's ``aria-label`` and ``<title>``.
    """
    tex = " ".join(str(tex).split())
    if not tex:
        raise ValueError("empty equation")
    svg = _latex_svg(tex, float(size), bool(inline))
    return prefix_svg_ids(svg, id_prefix) if id_prefix else svg


def make_filters(display_size: float = 1.15, inline_size: float = 1.0) -> dict[str, Callable[[str], Markup]]:
    """Jinja2 filters ``tex`` (display equation, numbered by CSS) and ``itex`` (inline math).

    Use them as filter blocks, so that backslashes reach LaTeX untouched::

        {% filter tex %}L = -\\frac{1}{B}\\sum_{n=1}^{B} \\log p_{n, y_n}{% endfilter %}
        ... the batch size {% filter itex %}B{% endfilter %} ...

    Each call to ``make_filters`` numbers its equations from 1, so a
    rendering is deterministic and no two equations share an id prefix.
    """
    counter = itertools.count(1)

    def tex(value: str) -> Markup:
        svg = latex_svg(str(value), size=display_size, id_prefix=f"eq{next(counter)}-")
        return Markup(f'<div class="equation">{svg}</div>')

    def itex(value: str) -> Markup:
        return Markup(latex_svg(str(value), size=inline_size, inline=True, id_prefix=f"eq{next(counter)}-"))

    return {"tex": tex, "itex": itex}
