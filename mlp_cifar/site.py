"""The folder GitHub Pages publishes: the report, its PDF, Snakemake's own report, the data, and an index.

    python -m mlp_cifar.site RESULTS SITE [--snakemake-report FILE] [--commit SHA]

copies ``RESULTS/report/report.{html,pdf}``, ``RESULTS/metrics.json`` and ``RESULTS/tables/*.csv``
(and Snakemake's own report, when given) into ``SITE`` and writes ``SITE/index.html`` linking them.
A file the build did not make is an error, naming it: a page with a dead link is not published.
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
from pathlib import Path

from mlp_cifar.atomic import atomic_path

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Multi-layer perceptrons on CIFAR-10</title>
<style>
body {{ font: 17px/1.5 system-ui, sans-serif; max-width: 42em; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.6em; margin-bottom: .2em; }} .sub {{ color: #666; margin-top: 0; }}
ul {{ padding-left: 1.2em; }} li {{ margin: .35em 0; }} code {{ font-size: .9em; }}
</style></head>
<body>
<h1>Multi-layer perceptrons on CIFAR-10</h1>
<p class="sub">Built by the workflow{commit}.</p>
<h2>The report</h2>
<ul>
<li><a href="report.html">The report (HTML)</a>: derivations, the NumPy MLP and its PyTorch twin, the
learning-rate sweep and schedules, the stronger MLP</li>
<li><a href="report.pdf">The same report as a PDF</a></li>
{snakemake_report}</ul>
<h2>The numbers</h2>
<ul>
<li><a href="metrics.json"><code>metrics.json</code></a>: every headline number</li>
{csvs}</ul>
</body></html>
"""

CSV_NOTES = {"runs": "one row per training run", "epochs": "one row per run and epoch",
             "sweep": "the learning-rate sweep", "schedules": "the compared schedules"}


def build_site(results: Path, site: Path, snakemake_report: Path | None = None, commit: str | None = None) -> Path:
    """Fill ``site`` (see the module docstring); returns its index.html."""
    wanted = [results / "report" / "report.html", results / "report" / "report.pdf", results / "metrics.json"]
    csvs = sorted((results / "tables").glob("*.csv"), key=lambda p: list(CSV_NOTES).index(p.stem)
                  if p.stem in CSV_NOTES else len(CSV_NOTES))
    if snakemake_report is not None:
        wanted.append(snakemake_report)
    missing = [str(p) for p in wanted if not p.is_file()]
    if not csvs:
        missing.append(str(results / "tables" / "*.csv"))
    if missing:
        raise FileNotFoundError(f"not built, so not published: {', '.join(missing)}")
    site.mkdir(parents=True, exist_ok=True)
    for path in [*wanted[:3], *csvs]:
        shutil.copy2(path, site / path.name)
    link = ""
    if snakemake_report is not None:
        name = "snakemake-report" + "".join(snakemake_report.suffixes)
        shutil.copy2(snakemake_report, site / name)
        link = (f'<li><a href="{html.escape(name)}">Snakemake\'s own report</a>: every figure and table with its '
                f"caption, the rule graph, run times, code and configuration</li>\n")
    items = "".join(f'<li><a href="{html.escape(p.name)}"><code>{html.escape(p.name)}</code></a>: '
                    f"{CSV_NOTES.get(p.stem, 'a table')} (CSV)</li>\n" for p in csvs)
    index = site / "index.html"
    with atomic_path(index) as tmp:
        tmp.write_text(PAGE.format(commit=f" at commit <code>{html.escape(commit)}</code>" if commit else "",
                                   snakemake_report=link, csvs=items))
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the build's results folder")
    parser.add_argument("site", type=Path, help="the folder to fill (created)")
    parser.add_argument("--snakemake-report", type=Path, help="Snakemake's own report (snakemake --report FILE)")
    parser.add_argument("--commit", help="the commit built, shown on the page")
    args = parser.parse_args(argv)
    try:
        index = build_site(args.results, args.site, args.snakemake_report, args.commit)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"site: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
