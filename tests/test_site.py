"""The GitHub Pages site (issue 14, item 4): every link of its index leads to a file of the build."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from mlp_cifar.site import build_site
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
