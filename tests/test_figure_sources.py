"""Each figure tied to its code (issue 14, item 5): its caption names the rule and script that drew
it, the commit and the run documents it read; links on GitHub, plain paths elsewhere."""

from __future__ import annotations

import re

import pytest

from mlp_cifar.figures import FIGURES
from mlp_cifar.report.figure_sources import github_url, source_line
from mlp_cifar.report.render import sources_into_captions

SOURCE = {"rule": "plot_sweep_accuracy", "draw": "mlp_cifar.plots.sweep:plot_sweep_accuracy",
          "docs": ["results/runs/sweep_lr_1em01_plain.json", "results/runs/sweep_lr_1e00_plain.json"]}


@pytest.mark.parametrize("remote, url", [
    ("https://github.com/course/mlp-cifar.git", "https://github.com/course/mlp-cifar"),
    ("git@github.com:course/mlp-cifar.git", "https://github.com/course/mlp-cifar"),
    ("ssh://git@github.com/course/mlp-cifar", "https://github.com/course/mlp-cifar"),
    ("https://gitlab.com/course/mlp-cifar.git", None), ("/work/main", None), (None, None),
])
def test_github_url_of_the_remote(remote, url):
    assert github_url(remote) == url


def test_on_github_the_code_and_commit_are_links():
    line = str(source_line(SOURCE, {"commit": "a" * 40, "dirty": False, "github": "https://github.com/o/r"}))
    assert f'href="https://github.com/o/r/blob/{"a" * 40}/scripts/plot_figure.py"' in line
    assert f'href="https://github.com/o/r/blob/{"a" * 40}/mlp_cifar/plots/sweep.py"' in line
    assert f'href="https://github.com/o/r/commit/{"a" * 40}"' in line and "aaaaaaa" in line
    assert "<code>sweep_lr_1em01_plain.json</code>" in line and "<code>results/runs/</code>" in line


def test_elsewhere_they_are_plain_paths_and_a_dirty_tree_says_so():
    line = str(source_line(SOURCE, {"commit": "b" * 40, "dirty": True, "github": None}))
    assert "href" not in line and "<code>scripts/plot_figure.py</code>" in line
    assert "bbbbbbb (with uncommitted changes)" in line
    assert "at commit <code>bbbbbbb" in line
    assert "outside a git checkout (no commit)" in str(source_line(SOURCE, {}))


def test_the_source_line_moves_into_the_caption():
    html = ('<figure id="f"><svg></svg><p class="figure-source">Drawn by X.</p>'
            "<figcaption>Caption.</figcaption></figure>")
    assert sources_into_captions(html) == ('<figure id="f"><svg></svg><figcaption>Caption. '
                                           '<span class="figure-source">Drawn by X.</span></figcaption></figure>')


def test_every_figure_of_a_smoke_build_says_what_drew_it(smoke_build):
    html = (smoke_build / "results" / "report" / "report.html").read_text()
    figures = re.findall(r"<figure\b.*?</figure>", html, flags=re.S)
    drawn = [f for f in figures if "figure-svg" in f]
    assert len(drawn) >= 12
    rules = {figure.rule for figure in FIGURES.values()}
    for block in drawn:
        caption = re.search(r"<figcaption>(.*?)</figcaption>", block, flags=re.S)
        assert caption, block[:200]
        source = re.search(r'<span class="figure-source">(.*?)</span></figcaption>', block, flags=re.S)
        assert source, f"no source line in the caption of {block[:120]}"
        text = source.group(1)
        rule = re.search(r"Drawn by rule <code>(\w+)</code>", text).group(1)
        assert rule in rules and "scripts/plot_figure.py" in text and "mlp_cifar/plots/" in text
        assert "outside a git checkout (no commit)" in text  # the smoke build's copy is no checkout: it says so
        for doc in re.findall(r"<code>([^<]+\.json)</code>", text):
            folder = re.search(r"in <code>([^<]+)/</code>", text)
            path = smoke_build / (folder.group(1) if folder else "") / doc
            assert path.is_file(), path
    # the PDF shows the same line in small type
    from subprocess import run
    pdf_text = run(["pdftotext", str(smoke_build / "results" / "report" / "report.pdf"), "-"],
                   capture_output=True, text=True).stdout
    assert pdf_text.count("Drawn by rule") == len(drawn)


# ----------------------------------------------------------------------------- the question map (item 6)

def test_the_question_map_links_only_to_parts_this_build_has():
    from mlp_cifar.report.question_map import drop_dangling_links

    html = ('<h3 id="there">x</h3><table id="table-question-map"><tr><td class="qmap-links">'
            '<a class="qmap" href="#there">a</a> · <a class="qmap" href="#gone">b</a></td></tr>'
            '<tr><td class="qmap-links"><a class="qmap" href="#gone">c</a></td></tr></table>')
    out = drop_dangling_links(html)
    assert '<a class="qmap" href="#there">a</a></td>' in out and "#gone" not in out
    assert '<td class="qmap-links">not in this build</td>' in out


def test_every_question_of_the_assignment_is_mapped_in_a_smoke_build(smoke_build):
    html = (smoke_build / "results" / "report" / "report.html").read_text()
    table = re.search(r'<table id="table-question-map".*?</table>', html, flags=re.S).group(0)
    rows = re.findall(r"<tr><td>([^<]+)</td>", table)
    assert rows == ["1a–d", "2a–c", "3", "4a", "4b.i", "4b.ii", "4b.iv", "5"]
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    links = re.findall(r'<a class="qmap" href="#([^"]+)">', table)
    assert links and all(anchor in ids for anchor in links)
    for anchor in ("derivation-q1_quadratic_form", "results-numpy", "results-torch", "figure-sweep-accuracy",
                   "figure-schedules-illustration", "derivation-q5_second_moment"):
        assert anchor in links, anchor
