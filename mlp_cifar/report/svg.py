"""Figures inlined into the report: a matplotlib SVG file -> an ``<svg>`` element of the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markupsafe import Markup

from mlp_cifar.report.equations import prefix_svg_ids
from mlp_cifar.report.errors import ReportError

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _declarations(css: str) -> list[tuple[str, str]]:
    pairs = []
    for decl in css.split(";"):
        if ":" in decl:
            name, value = decl.split(":", 1)
            pairs.append((name.strip(), value.strip()))
    return pairs


def inline_svg(svg_text: str, id_prefix: str, label: str) -> Markup:
    """A matplotlib SVG file's text -> an ``<svg>`` element to inline in HTML.

    Drops the XML prolog and RDF metadata; turns ``style`` attributes and the
    ``<style>*{...}</style>`` sheet into presentation attributes (an inline
    ``<style>`` would apply to the whole HTML page); prefixes every id (two
    matplotlib figures reuse the same hashed ids); and replaces the fixed
    width/height by ``width: 100%`` of the column, scaled through the viewBox.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    try:
        root = ET.fromstring(svg_text.encode("utf-8"))
    except ET.ParseError as err:
        raise ReportError(f"figure is not a well-formed SVG document: {err}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ReportError(f"figure is not an SVG document (root element {root.tag})")
    if "viewBox" not in root.attrib:
        raise ReportError("figure SVG has no viewBox, it cannot be scaled")
    inherited: list[tuple[str, str]] = []
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{{{SVG_NS}}}metadata":
                parent.remove(child)
            elif child.tag == f"{{{SVG_NS}}}style":
                for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", child.text or ""):
                    if selector.strip() != "*":
                        raise ReportError(f"figure SVG has a style rule for {selector.strip()!r}; "
                                          "only '*' is supported")
                    inherited += _declarations(body)
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _declarations(style):
                element.set(name, value)
    for name, value in inherited:  # '*' rules: inherited properties, set once on the root
        root.attrib.setdefault(name, value)
    for name in ("width", "height", "id", "version"):
        root.attrib.pop(name, None)
    root.set("class", "figure-svg")
    root.set("role", "img")
    root.set("aria-label", label)
    svg = ET.tostring(root, encoding="unicode")
    return Markup(prefix_svg_ids(svg, id_prefix))
