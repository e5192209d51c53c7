"""The folder GitHub Pages publishes: the report, its PDF, Snakemake's own report, the data, the
documentation, and an index.

    python -m mlp_cifar.site RESULTS SITE [--snakemake-report FILE] [--docs DIR] [--commit SHA]

copies ``RESULTS/report/report.{html,pdf}``, ``RESULTS/metrics.json`` and ``RESULTS/tables/*.csv``
(and Snakemake's own report, when given) into ``SITE``, the built documentation ``DIR`` (``make docs``:
results/docs-site) into ``SITE/docs``, and writes ``SITE/index.html`` linking them.
A file the build did not make is an error, naming it: a page with a dead link is not published.
``SITE`` holds exactly these files afterwards: it is filled beside itself, then put in place of the
previous site, so no file of an older build is published. A ``SITE`` that is a file, or a folder with
files this command did not write (the report folder, say), is refused, naming it.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import tempfile
from pathlib import Path


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mlp_cifar.site">
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
{docs}</body></html>
"""

DOCS_SECTION = """<h2>The project</h2>
<ul>
<li><a href="docs/index.html">The documentation</a>: configuration and runs, adding experiments and
figures, performance, cluster and GPU, architecture, testing</li>
</ul>
"""

CSV_NOTES = {"runs": "one row per training run", "epochs": "one row per run and epoch",
             "sweep": "the learning-rate sweep", "schedules": "the compared schedules"}


GENERATOR = '<meta name="generator" content="mlp_cifar.site">'


class SiteError(ValueError):
    """``SITE`` cannot be (re)made: a file, or a folder of other files."""


def check_site_folder(site: Path) -> None:
    """Raise SiteError unless ``site`` is absent, an empty folder or a site this module made."""
    if site.is_symlink() or (site.exists() and not site.is_dir()):
        raise SiteError(f"{site} is a file, not a folder; give the folder to fill with the site")
    if site.is_dir() and any(site.iterdir()):
        index = site / "index.html"
        if not (index.is_file() and GENERATOR in index.read_text(encoding="utf-8", errors="replace")):
            raise SiteError(f"{site} holds files that mlp_cifar.site did not write; give a new or empty folder "
                            "(everything in it would be replaced)")


def build_site(results: Path, site: Path, snakemake_report: Path | None = None, commit: str | None = None,
               docs: Path | None = None) -> Path:
    """Make ``site`` (see the module docstring); returns its index.html."""
    check_site_folder(site)
    wanted = [results / "report" / "report.html", results / "report" / "report.pdf", results / "metrics.json"]
    csvs = sorted((results / "tables").glob("*.csv"), key=lambda p: list(CSV_NOTES).index(p.stem)
                  if p.stem in CSV_NOTES else len(CSV_NOTES))
    if snakemake_report is not None:
        wanted.append(snakemake_report)
    missing = [str(p) for p in wanted if not p.is_file()]
    if not csvs:
        missing.append(str(results / "tables" / "*.csv"))
    if docs is not None and not (docs / "index.html").is_file():
        missing.append(str(docs / "index.html"))
    if missing:
        raise FileNotFoundError(f"not built, so not published: {', '.join(missing)}")
    site.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{site.name}.", suffix=".new", dir=site.parent))
    try:
        _fill(new, wanted, csvs, snakemake_report, commit, docs)
        new.chmod(0o777 & ~_umask())
        if site.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{site.name}.", suffix=".old", dir=site.parent))
            os.replace(site, old / site.name)
            os.replace(new, site)
            shutil.rmtree(old)
        else:
            os.replace(new, site)
    finally:
        if new.exists():
            shutil.rmtree(new)
    return site / "index.html"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fill(site: Path, wanted: list[Path], csvs: list[Path], snakemake_report: Path | None,
          commit: str | None, docs: Path | None) -> None:
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
    if docs is not None:
        shutil.copytree(docs, site / "docs", symlinks=False)
    (site / "index.html").write_text(PAGE.format(commit=f" at commit <code>{html.escape(commit)}</code>" if commit
                                                 else "", snakemake_report=link, csvs=items,
                                                 docs=DOCS_SECTION if docs is not None else ""), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the build's results folder")
    parser.add_argument("site", type=Path, help="the folder to fill (created)")
    parser.add_argument("--snakemake-report", type=Path, help="Snakemake's own report (snakemake --report FILE)")
    parser.add_argument("--docs", type=Path, help="the built documentation (make docs: results/docs-site), "
                        "published under docs/")
    parser.add_argument("--commit", help="the commit built, shown on the page")
    args = parser.parse_args(argv)
    try:
        index = build_site(args.results, args.site, args.snakemake_report, args.commit, args.docs)
    except (FileNotFoundError, SiteError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err.strerror or err}: {err.filename}; {args.site} was not changed", file=sys.stderr)
        return 1
    print(f"site: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
