"""The GitHub Pages site (issue 14, item 4): every link of its index leads to a file of the build."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from mlp_cifar.site import build_site
from test_faults import results_folder
from workflow_helpers import snakemake


def test_the_index_links_the_report_the_pdf_snakemakes_report_metrics_and_csvs(smoke_copy):
    work = smoke_copy
    snakemake(work, "--profile", "profiles/smoke", "--report", "results/snakemake-report.html")
    proc = subprocess.run([sys.executable, "-m", "mlp_cifar.site", "results", "site", "--snakemake-report",
                           "results/snakemake-report.html", "--commit", "abc1234"],
                          cwd=work, capture_output=True, text=True, check=True)
    site = work / "site"
    index = (site / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert set(links) == {"report.html", "report.pdf", "snakemake-report.html", "metrics.json", "runs.csv",
                          "epochs.csv", "sweep.csv", "schedules.csv"}, proc.stdout
    for link in links:
        assert (site / link).is_file() and (site / link).stat().st_size > 0, link
    assert (site / "report.pdf").read_bytes()[:4] == b"%PDF"
    assert "abc1234" in index


def test_a_missing_output_is_named_and_nothing_is_published(tmp_path):
    results = tmp_path / "results"
    (results / "report").mkdir(parents=True)
    (results / "report" / "report.html").write_text("<html></html>")
    with pytest.raises(FileNotFoundError, match="report.pdf"):
        build_site(results, tmp_path / "site")
    assert not (tmp_path / "site").exists()


# The documentation (issue 28): a built docs folder (make docs) is published under docs/ and linked.
def docs_folder(root):
    docs = root / "docs-site"
    (docs / "assets").mkdir(parents=True)
    (docs / "index.html").write_text('<a href="configuration.html">Configuration</a>')
    (docs / "configuration.html").write_text("<h1>Configuration and runs</h1>")
    (docs / "assets" / "style.css").write_text("body {}")
    return docs


def test_the_built_docs_are_published_under_docs_and_linked_from_the_index(tmp_path):
    results, docs = results_folder(tmp_path), docs_folder(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "mlp_cifar.site", str(results), "site", "--docs", str(docs)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    site = tmp_path / "site"
    index = (site / "index.html").read_text()
    assert 'href="docs/index.html"' in index
    for link in re.findall(r'href="([^"]+)"', index):
        assert (site / link).is_file(), link
    copied = {p.relative_to(site / "docs"): p.read_bytes() for p in (site / "docs").rglob("*") if p.is_file()}
    assert copied == {p.relative_to(docs): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def test_without_docs_the_index_has_no_docs_link(tmp_path):
    build_site(results_folder(tmp_path), tmp_path / "site")
    assert "docs/" not in (tmp_path / "site" / "index.html").read_text()
    assert not (tmp_path / "site" / "docs").exists()


def test_docs_that_were_not_built_are_named_and_nothing_is_published(tmp_path):
    results = results_folder(tmp_path)
    (tmp_path / "docs-site").mkdir()  # make docs did not run, or failed
    with pytest.raises(FileNotFoundError, match="docs-site/index.html"):
        build_site(results, tmp_path / "site", docs=tmp_path / "docs-site")
    assert not (tmp_path / "site").exists()
