"""The report: typeset equations, context from the run documents, HTML + PDF rendering."""

from mlp_cifar.report.equations import latex_svg, make_filters, prefix_svg_ids
from mlp_cifar.report.original import ORIGINAL, original
from mlp_cifar.report.render import ReportError, build_context, render_html, render_report

__all__ = ["ORIGINAL", "ReportError", "build_context", "latex_svg", "make_filters", "original", "prefix_svg_ids",
           "render_html", "render_report"]
