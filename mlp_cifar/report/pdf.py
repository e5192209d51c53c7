"""The report's PDF: WeasyPrint's A4 rendering of the self-contained HTML.

Its own module (and its own rule, ``report_pdf``) because it is the slow half of the report:
WeasyPrint draws every plotted point of every figure, which takes many times as long as the HTML
(docs/performance.md). Rendered from the HTML file, the PDF can never differ from it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mlp_cifar.atomic import atomic_path
from mlp_cifar.report.errors import ReportError


def _data_only_fetcher():
    """WeasyPrint's URL fetcher for the report: ``data:`` URIs only, so that the PDF cannot silently
    depend on anything the HTML does not contain. Any other URL stops the rendering."""
    from weasyprint.urls import URLFetcher

    class DataOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise ReportError(f"the report must be self-contained but refers to {url}")
            return super().fetch(url, headers)

    return DataOnly(allowed_protocols={"data"}, fail_on_errors=True)


def write_pdf(html: str, pdf_path: str | os.PathLike, base_url: str | os.PathLike = ".") -> None:
    """Render ``html`` (A4, the stylesheet's @page rules) into the file ``pdf_path``, which must not
    be the final output: the callers write it through ``atomic_path``. Relative references resolve
    against ``base_url`` and are refused like any other (unresolved, WeasyPrint would skip them)."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting chatter
    try:
        weasyprint.HTML(string=html, base_url=str(base_url), url_fetcher=_data_only_fetcher()).write_pdf(pdf_path)
    except FatalURLFetchingError as err:  # a BaseException, raised from ours
        raise (err.__cause__ if isinstance(err.__cause__, ReportError) else ReportError(str(err))) from None


def html_file_to_pdf(html_path: str | os.PathLike, out_pdf: str | os.PathLike) -> None:
    """The report's HTML file -> its PDF, written atomically (a failure leaves the previous PDF)."""
    html = Path(html_path).read_text(encoding="utf-8")
    with atomic_path(out_pdf) as tmp:
        write_pdf(html, tmp, base_url=Path(html_path).resolve().parent)
