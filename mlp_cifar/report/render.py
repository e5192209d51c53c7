"""Render the report: a context (mlp_cifar.report.context) -> one HTML file (and its PDF).

The HTML is self-contained: the stylesheet is inlined in ``<style>``, figures
and equations are inline ``<svg>`` (their ids prefixed so they never clash),
and nothing refers to a file or a URL. The PDF is WeasyPrint's rendering of
the same HTML (mlp_cifar.report.pdf). Files are written atomically: a failure
leaves no partial file and keeps the previous one.
"""

from __future__ import annotations

import os
import re
import traceback
from contextlib import ExitStack
from pathlib import Path
from typing import Mapping

import jinja2
from markupsafe import Markup

from mlp_cifar.atomic import atomic_path
from mlp_cifar.formatting import FILTERS
from mlp_cifar.report.equations import make_filters
from mlp_cifar.report.errors import ReportError
from mlp_cifar.report.pdf import write_pdf
from mlp_cifar.report.question_map import drop_dangling_links

# Attributes that make a browser (or WeasyPrint) fetch something.
_REFERENCE = re.compile(r"""\b(src|href|xlink:href|poster|data|srcset|action)\s*=\s*["']([^"']*)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]*)""", re.I)


def make_environment(templates_dir: str | os.PathLike) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing key is an error, never a silently empty cell
        trim_blocks=False,  # keep the newline after {% endfilter %}: it is the space after inline maths
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(make_filters())
    env.filters.update(FILTERS)
    return env


_LINK = re.compile(r"""<a\b[^>]*>""", re.I)


def external_references(html: str) -> list[str]:
    """Every URL in ``html`` that would be fetched from outside the document (not ``#...``, not ``data:``).
    A link (``<a href>``, e.g. a figure's source on GitHub) is followed by the reader, never fetched."""
    fetched = _LINK.sub("<a>", html)
    found = [value for _, value in _REFERENCE.findall(fetched)] + _CSS_URL.findall(fetched)
    return [v for v in found if v.strip() and not v.strip().startswith(("#", "data:"))]


_FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)
_SOURCE = re.compile(r'<p class="figure-source">(.*?)</p>', re.S)


def sources_into_captions(html: str) -> str:
    """Move each figure's source line (what ``figure(key, run)`` puts after the drawing) to the end of
    that figure's caption, where readers look for it."""
    def move(block: re.Match) -> str:
        text = block.group(0)
        source = _SOURCE.search(text)
        if not source or "</figcaption>" not in text:
            return text
        text = text[:source.start()] + text[source.end():]
        return text.replace("</figcaption>", f' <span class="figure-source">{source.group(1)}</span></figcaption>', 1)

    return _FIGURE.sub(move, html)


def template_error_message(err: jinja2.TemplateError, templates_dir: str | os.PathLike) -> str:
    """``templates/x.html.j2, line N: <what Jinja says>``: the template file and line where
    rendering failed (a syntax error names them itself; a runtime error through its traceback, whose
    template frames Jinja gives the template's file name and line)."""
    if isinstance(err, jinja2.TemplateSyntaxError) and err.lineno:
        where = f"{Path(templates_dir) / err.name if err.name else err.filename}, line {err.lineno}"
    else:
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(".j2")]
        where = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else f"a template in {templates_dir}"
    return f"{where}: {err.message or type(err).__name__}"


def render_html(context: Mapping, templates_dir: str | os.PathLike, css_path: str | os.PathLike | None = None,
                template: str = "report.html.j2") -> str:
    """The report as one self-contained HTML string (the stylesheet inlined)."""
    templates_dir = Path(templates_dir)
    css_path = Path(css_path) if css_path else templates_dir / "style.css"
    css = css_path.read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ReportError(f"{css_path} contains '</style'")
    try:
        html = make_environment(templates_dir).get_template(template).render(**context, css=Markup(css))
    except jinja2.TemplateError as err:
        raise ReportError(template_error_message(err, templates_dir)) from err
    html = drop_dangling_links(sources_into_captions(html))
    external = external_references(html)
    if external:
        raise ReportError(f"the report is not self-contained; it refers to {sorted(set(external))[:5]}")
    return html


def write_html(context: Mapping, templates_dir: str | os.PathLike, out_html: str | os.PathLike,
               css_path: str | os.PathLike | None = None) -> None:
    """Write the report as ``out_html`` (self-contained), atomically."""
    html = render_html(context, templates_dir, css_path)
    with atomic_path(out_html) as tmp:
        tmp.write_text(html, encoding="utf-8")


def render_report(context: Mapping, templates_dir: str | os.PathLike, out_html: str | os.PathLike,
                  out_pdf: str | os.PathLike, css_path: str | os.PathLike | None = None) -> None:
    """Write the report as ``out_html`` (self-contained) and ``out_pdf`` (A4, WeasyPrint), atomically,
    and only after both were produced: a failure keeps the previous pair. (The workflow renders the
    two in separate rules, the PDF from the HTML file.)

    ``css_path`` defaults to ``style.css`` in ``templates_dir`` (``templates/style.css``).
    """
    html = render_html(context, templates_dir, css_path)
    with ExitStack() as stack:
        html_tmp = stack.enter_context(atomic_path(out_html))
        pdf_tmp = stack.enter_context(atomic_path(out_pdf))
        html_tmp.write_text(html, encoding="utf-8")
        write_pdf(html, pdf_tmp)
