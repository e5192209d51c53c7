"""The report: figures drawn from the run documents, equations, and the HTML + PDF rendering.

Two small real runs are trained on an in-memory split with a learnable signal,
then plotted and rendered exactly as the workflow does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from mlp_cifar.plots import runs as run_plots
from mlp_cifar.data.dataset import CifarSplits, Split
from mlp_cifar.report.context import build_context
from mlp_cifar.report.equations import latex_svg, prefix_svg_ids
from mlp_cifar.report.errors import ReportError
from mlp_cifar.report.original import original
from mlp_cifar.report.pdf import html_file_to_pdf
from mlp_cifar.report.render import external_references, render_html, render_report
from mlp_cifar.report.svg import inline_svg
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SVG = "{http://www.w3.org/2000/svg}"
SECTION_IDS = ("title", "abstract", "setup", "results-numpy", "comparison", "provenance")


def tiny_splits(seed: int = 0) -> CifarSplits:
    """Ten classes, each a random mean image plus unit noise: learnable within an epoch."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((10, 3072)) * 0.15

    def subset(n):
        y = rng.integers(0, 10, n)
        return Split((means[y] + rng.standard_normal((n, 3072))).astype(np.float32), y.astype(np.int64))

    return CifarSplits(train=subset(1024), val=subset(256), test=subset(256), archive_md5="0" * 32, official=False)


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    splits = tiny_splits()
    docs = {
        "numpy_default": train(RunConfig(hidden=[16], epochs=2, batch_size=64), splits, progress=False),
        "numpy_other": train(RunConfig(hidden=[16], epochs=3, batch_size=128, lr=0.05, seed=7), splits,
                             progress=False),
    }
    for doc in docs.values():
        doc["data"]["split_seed"] = 42
    return docs


@pytest.fixture(scope="module")
def figures(runs, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("figures")
    paths = {"batch_losses": out / "batch_losses.svg", "val_accuracy": out / "val_accuracy.svg"}
    run_plots.plot_batch_losses(runs, paths["batch_losses"])
    run_plots.plot_val_accuracy(runs, paths["val_accuracy"])
    # As the report rule gives them: (declared key, run) -> file (mlp_cifar.figures).
    return {"paths": paths, "by_key": {(key, "numpy_default"): path for key, path in paths.items()}}


def metrics_of(runs):
    from mlp_cifar.metrics import collect_metrics

    return collect_metrics(runs)


def provenance_of(runs, config):
    doc = runs["numpy_default"]
    return {"git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
            "versions": doc["versions"], "config": config,
            "archive": {"path": "data/cifar-10-python.tar.gz", "md5": "0" * 32, "official": False},
            "rule_seconds": {"train_numpy_default": 1.5, "figures": 0.7},
            "cpu": doc["machine"], "threads": 2}


@pytest.fixture(scope="module")
def context(runs, figures):
    config = {"runs": {"numpy_default": {"hidden": [16], "epochs": 2}}, "threads": 2}
    return build_context(runs, metrics_of(runs), figures["by_key"], config, provenance_of(runs, config))


@pytest.fixture(scope="module")
def rendered(context, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    html, pdf = out / "report.html", out / "report.pdf"
    render_report(context, TEMPLATES, html, pdf)
    return {"dir": out, "html": html, "pdf": pdf, "text": html.read_text(encoding="utf-8")}


# ----------------------------------------------------------------------------- figures


def svg_group(path: Path, gid: str) -> ET.Element:
    root = ET.parse(path).getroot()
    groups = [g for g in root.iter(f"{SVG}g") if g.get("id") == gid]
    assert len(groups) == 1, f"expected one <g id={gid!r}> in {path.name}"
    return groups[0]


def svg_points(path: Path, gid: str) -> list[tuple[float, float]]:
    """The vertices (SVG coordinates) of the line drawn in the group ``gid``."""
    drawn = next(el for el in svg_group(path, gid) if el.tag == f"{SVG}path")
    return [(float(x), float(y)) for x, y in re.findall(r"[ML] (-?[\d.]+) (-?[\d.]+)", drawn.get("d"))]


def svg_markers(path: Path, gid: str) -> list[tuple[float, float]]:
    """The positions (SVG coordinates) of the markers drawn in the group ``gid``."""
    return [(float(u.get("x")), float(u.get("y"))) for u in svg_group(path, gid).iter(f"{SVG}use")]


def test_val_accuracy_figure_plots_the_documents(runs, figures):
    path = figures["paths"]["val_accuracy"]
    for name, doc in runs.items():
        epochs = [e["epoch"] for e in doc["epochs"]]
        s = run_plots.val_accuracy_series(doc)
        np.testing.assert_array_equal(s["epoch"], epochs)
        np.testing.assert_allclose(s["val_accuracy"], [e["val_accuracy"] for e in doc["epochs"]])
        np.testing.assert_allclose(s["train_accuracy"], [e["train_accuracy"] for e in doc["epochs"]])
        assert (s["best_epoch"], s["best_val_accuracy"]) == (doc["best_epoch"], doc["best_val_accuracy"])
        # In the SVG file itself: one marker per epoch on the validation line, one vertex per epoch on the
        # training line, and the ring on the marker of the best epoch.
        markers = svg_markers(path, f"val_accuracy_{name}")
        assert len(markers) == len(epochs)
        assert len(svg_points(path, f"train_accuracy_{name}")) == len(epochs)
        (ring,) = svg_markers(path, f"best_epoch_{name}")
        assert ring == pytest.approx(markers[doc["best_epoch"] - 1], abs=1e-3)
    assert len(runs["numpy_default"]["epochs"]) != len(runs["numpy_other"]["epochs"])  # the check can tell runs apart


def test_batch_loss_figure_plots_every_batch(runs, figures):
    path = figures["paths"]["batch_losses"]
    for name, doc in runs.items():
        s = run_plots.batch_loss_series(doc)
        n = len(doc["batch_losses"])
        assert n == doc["batches_per_epoch"] * len(doc["epochs"])
        np.testing.assert_allclose(s["loss"], doc["batch_losses"])
        np.testing.assert_allclose(s["x"], (np.arange(n) + 1) / doc["batches_per_epoch"])
        window = run_plots.moving_average_window(doc["batches_per_epoch"], n)
        assert s["window"] == window and len(s["smooth"]) == n - window + 1
        np.testing.assert_allclose(s["smooth"][0], np.mean(doc["batch_losses"][:window]))
        # In the SVG file itself: a vertex per batch on the raw line, one per window position on the smooth one.
        assert len(svg_points(path, f"batch_loss_raw_{name}")) == n
        assert len(svg_points(path, f"batch_loss_smooth_{name}")) == n - window + 1


def test_diverged_run_is_marked_where_the_loss_stopped(runs, tmp_path):
    doc = dict(runs["numpy_default"])
    bpe = doc["batches_per_epoch"]
    doc["batch_losses"] = doc["batch_losses"][: bpe + 3] + [None]
    doc["epochs"] = doc["epochs"][:1]
    doc["diverged"], doc["diverged_at"] = True, {"epoch": 2, "batch": 4}
    series = run_plots.batch_loss_series(doc)
    assert series["diverged_x"] == pytest.approx((bpe + 4) / bpe)
    out = tmp_path / "loss.svg"
    run_plots.plot_batch_losses({"bad": doc, "good": runs["numpy_other"]}, out)
    raw = svg_points(out, "batch_loss_raw_bad")  # the bpe + 3 finite batches, equally spaced
    assert len(raw) == bpe + 3
    ((cross_x, _),) = svg_markers(out, "batch_loss_diverged_bad")
    assert cross_x == pytest.approx(2 * raw[-1][0] - raw[-2][0], abs=1e-3)  # one batch on: the first non-finite
    assert "batch_loss_diverged_good" not in {g.get("id") for g in ET.parse(out).getroot().iter(f"{SVG}g")}


def test_figures_are_reproducible(runs, figures, tmp_path):
    run_plots.plot_val_accuracy(runs, tmp_path / "again.svg")
    assert (tmp_path / "again.svg").read_bytes() == figures["paths"]["val_accuracy"].read_bytes()


# ----------------------------------------------------------------------------- equations


def test_equations_are_svg_without_clashing_ids():
    svg = latex_svg(r"p_{nk} = \frac{\exp z_{nk}}{\sum_{j} \exp z_{nj}}")
    assert svg.startswith("<svg") and "<path" in svg and "id=" not in svg
    assert 'aria-label="p_{nk}' in svg
    inline = latex_svg("x^2", inline=True)
    assert "vertical-align:-" in inline


def test_prefix_svg_ids_renames_definitions_and_references():
    svg = ('<svg><defs><path id="a"/><clipPath id="c"/></defs><use xlink:href="#a"/><use href="#a"/>'
           '<g clip-path="url(#c)"/><a href="#elsewhere"/></svg>')
    out = prefix_svg_ids(svg, "p-")
    assert 'id="p-a"' in out and 'id="p-c"' in out
    assert 'xlink:href="#p-a"' in out and 'href="#p-a"' in out and "url(#p-c)" in out
    assert 'href="#elsewhere"' in out  # not an id of this SVG: untouched


def test_inline_svg_drops_sizes_styles_and_metadata(figures):
    svg = inline_svg(figures["paths"]["val_accuracy"].read_text(), "f-", "validation accuracy")
    assert svg.startswith("<svg") and "<metadata" not in svg and "<style" not in svg and "style=" not in svg
    head = svg[: svg.index(">")]
    assert "width=" not in head and "viewBox=" in head and 'class="figure-svg"' in head
    assert all(i.startswith("f-") for i in re.findall(r'\bid="([^"]+)"', svg))


# ----------------------------------------------------------------------------- report


def test_report_has_every_section_and_the_numbers(rendered, runs):
    html = rendered["text"]
    for section in SECTION_IDS:
        assert f'id="{section}"' in html, section
    main = runs["numpy_default"]
    assert f"{main['best_val_accuracy']:.4f}" in html and f"{main['test_accuracy']:.4f}" in html
    # Per-epoch table: one row per epoch, the best one highlighted.
    table = html[html.index('id="table-epochs"'):]
    table = table[: table.index("</table>")]
    assert table.count("<tr") - 1 == len(main["epochs"])
    assert table.count('class="best"') == 1
    # Comparison with the original report's figures.
    numpy_original = original("numpy")
    assert f"{numpy_original['best_val_accuracy']:.4f}" in html and f"{numpy_original['test_accuracy']:.4f}" in html
    # The reconstructed-archive note, and provenance.
    assert "local reconstruction of the archive was used" in html
    assert "0123456789abcdef0123456789abcdef01234567" in html and "uncommitted changes" in html
    assert "train_numpy_default" in html


def test_report_is_self_contained(rendered):
    html = rendered["text"]
    assert external_references(html) == []
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:|file:|//)""", html, re.I)
    assert not re.search(r"<link\b|@import", html)
    for img in re.findall(r"<img\b[^>]*>", html):
        assert re.search(r'src="data:', img), img
    assert "<style>" in html  # the stylesheet is inlined
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids in the HTML"
    assert html.count('<svg ') >= 2 + 6  # two figures and the equations
    assert html.count('class="figure-svg"') == 2


def test_equations_are_inline_svg(rendered):
    html = rendered["text"]
    blocks = re.findall(r'<div class="equation">(.*?)</div>', html, re.S)
    assert len(blocks) >= 5  # affine layer, hidden layers, softmax, loss, SGD update
    assert all(b.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'class="math display"' in b
               for b in blocks)
    assert 'class="math inline"' in html
    assert "\\frac" not in re.sub(r'aria-label="[^"]*"|<title>.*?</title>', "", html)  # no raw TeX left


def page_texts(pdf: Path, html: str) -> list[str]:
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
        return out.stdout.split("\f")[:-1]  # pdftotext ends every page with a form feed
    import weasyprint
    from weasyprint.formatting_structure.boxes import TextBox

    def texts(box):
        if isinstance(box, TextBox):
            yield box.text
        for child in getattr(box, "children", []):
            yield from texts(child)

    return ["".join(texts(page._page_box)) for page in weasyprint.HTML(string=html).render().pages]


def test_pdf_has_text_on_every_page(rendered):
    data = rendered["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    pages = page_texts(rendered["pdf"], rendered["text"])
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert len(text.split()) > 5, f"page {number} has no text"
        assert f"Page {number} of {len(pages)}" in " ".join(text.split()), f"page {number} has no page number"


def test_rendering_is_deterministic(context, rendered):
    assert render_html(context, TEMPLATES) == rendered["text"]


def test_failed_render_leaves_no_file(context, tmp_path):
    broken = {k: v for k, v in context.items() if k != "figure"}
    with pytest.raises(Exception):
        render_report(broken, TEMPLATES, tmp_path / "report.html", tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == []


def test_pdf_from_the_html_file_is_the_same_report(rendered, tmp_path):
    """Rule report_pdf renders the PDF from the HTML file: the same pages as render_report's PDF."""
    html = tmp_path / "report.html"
    html.write_text(rendered["text"], encoding="utf-8")
    html_file_to_pdf(html, tmp_path / "report.pdf")
    assert page_texts(tmp_path / "report.pdf", rendered["text"]) == page_texts(rendered["pdf"], rendered["text"])


@pytest.mark.parametrize("src", ["plot.png", "https://example.org/plot.png"])
def test_pdf_of_html_with_an_external_reference_fails_and_writes_nothing(tmp_path, src):
    (tmp_path / "plot.png").write_bytes(b"")  # even an existing file beside the HTML is refused
    html = tmp_path / "report.html"
    html.write_text(f'<html><body><p>text</p><img src="{src}"></body></html>', encoding="utf-8")
    with pytest.raises(ReportError, match="plot.png"):
        html_file_to_pdf(html, tmp_path / "report.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "report.html"]


def test_pdf_may_embed_data_uris(tmp_path):
    html = tmp_path / "report.html"
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    html.write_text(f'<html><body><p>text</p><img src="data:image/png;base64,{pixel}"></body></html>',
                    encoding="utf-8")
    html_file_to_pdf(html, tmp_path / "report.pdf")
    assert b"/Subtype /Image" in (tmp_path / "report.pdf").read_bytes()


def test_missing_main_run_is_an_error(runs, figures):
    with pytest.raises(ReportError, match="main run"):
        build_context(runs, metrics_of(runs), figures["by_key"], {}, {}, main_run="torch_default")


def test_external_references_are_detected():
    assert external_references('<img src="plot.png"><a href="#x">') == ["plot.png"]
    assert external_references('<link href="https://example.org/a.css">') == ["https://example.org/a.css"]
    assert external_references('<div style="background: url(img.png)">') == ["img.png"]
    assert external_references('<img src="data:image/png;base64,AAAA">') == []


# ----------------------------------------------------------------------------- NumPy vs PyTorch, seeds, parity


@pytest.fixture(scope="module")
def twin_runs() -> dict[str, dict]:
    """Both backends, two seeds each, as the workflow's `repeats` names them."""
    splits = tiny_splits()
    docs = {}
    for backend in ("numpy", "torch"):
        for seed in (42, 43):
            name = f"{backend}_default" + ("" if seed == 42 else f"_seed{seed}")
            docs[name] = train(RunConfig(backend=backend, hidden=[16], epochs=3, batch_size=64, seed=seed), splits,
                               progress=False)
            docs[name]["data"]["split_seed"] = 42
    return docs


@pytest.fixture(scope="module")
def parity_doc():
    from mlp_cifar.parity import parity_report

    return parity_report({"hidden": [8], "lr": 0.1, "batch_size": 64, "momentum": 0.0, "weight_decay": 0.0,
                          "seed": 42, "device": "cpu"}, n_train=256)


@pytest.fixture(scope="module")
def twin_rendered(twin_runs, parity_doc, tmp_path_factory):
    from mlp_cifar.metrics import collect_metrics

    out = tmp_path_factory.mktemp("twin")
    pair = {name: twin_runs[name] for name in ("numpy_default", "torch_default")}
    groups = {"numpy": [n for n in twin_runs if n.startswith("numpy")],
              "torch": [n for n in twin_runs if n.startswith("torch")]}
    paths = {}
    for name in pair:
        for kind, plot in (("batch_losses", run_plots.plot_batch_losses),
                           ("val_accuracy", run_plots.plot_val_accuracy)):
            paths[(kind, name)] = out / f"{name}_{kind}.svg"
            plot({name: twin_runs[name]}, paths[(kind, name)])
    for kind, plot in (("batch_losses", run_plots.plot_batch_losses), ("val_accuracy", run_plots.plot_val_accuracy),
                       ("loss_difference", run_plots.plot_loss_difference)):
        paths[(f"backends_{kind}", None)] = out / f"numpy_vs_torch_{kind}.svg"
        plot(pair, paths[(f"backends_{kind}", None)])
    paths[("seeds_val_accuracy", None)] = out / "seeds.svg"
    run_plots.plot_seed_bands(twin_runs, paths[("seeds_val_accuracy", None)], groups)
    metrics = collect_metrics(twin_runs, {g: list(d) for g, d in groups.items()}, list(pair))
    config = {"repeats": {"backends": ["numpy", "torch"], "seeds": [42, 43]}}
    context = build_context(twin_runs, metrics, paths, config, provenance_of(twin_runs, config), parity=parity_doc)
    html, pdf = out / "report.html", out / "report.pdf"
    render_report(context, TEMPLATES, html, pdf)
    return {"context": context, "metrics": metrics, "html": html.read_text(encoding="utf-8"), "pdf": pdf}


def table(html: str, table_id: str) -> str:
    part = html[html.index(f'id="{table_id}"'):]
    return part[: part.index("</table>")]


def test_torch_sections_are_left_out_without_a_torch_run(rendered):
    html = rendered["text"]
    for section in ("results-torch", "backends", "parity"):
        assert f'id="{section}"' not in html


def test_twin_report_has_torch_results_side_by_side_and_parity(twin_rendered, twin_runs):
    html = twin_rendered["html"]
    for section in SECTION_IDS + ("results-torch", "backends", "parity"):
        assert f'id="{section}"' in html, section
    order = [html.index(f'<section id="{s}"') for s in ("results-numpy", "results-torch", "backends", "parity",
                                                         "provenance")]
    assert order == sorted(order)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids in the HTML"
    # The PyTorch section has the NumPy section's form: its own figures and per-epoch table.
    torch_doc = twin_runs["torch_default"]
    epochs = table(html, "table-epochs-torch")
    assert epochs.count("<tr") - 1 == len(torch_doc["epochs"]) and epochs.count('class="best"') == 1
    assert f"{torch_doc['test_accuracy']:.4f}" in html
    assert html.count('class="figure-svg"') == 2 + 2 + 3 + 1 + 0  # numpy, torch, 3 comparisons, seeds
    assert external_references(html) == []


def test_side_by_side_table_has_mean_std_over_seeds_and_the_original(twin_rendered):
    html, metrics = twin_rendered["html"], twin_rendered["metrics"]
    head = table(html, "table-backends")
    for backend in ("numpy", "torch"):
        g = metrics["groups"][backend]
        for key in ("best_val_accuracy", "test_accuracy"):
            assert f"{g[key]['mean']:.4f} ± {g[key]['std']:.4f}" in head
        assert f"{original(backend)['best_val_accuracy']:.4f}" in head
        assert f"{original(backend)['test_accuracy']:.4f}" in head
    seeds = table(html, "table-seeds")
    assert seeds.count("<code>") == 4 and "numpy_default_seed43" in seeds
    per_epoch = table(html, "table-backends-epochs")
    assert per_epoch.count("<tr") - 1 == 10  # the original report's ten epochs


def test_parity_section_shows_pass_against_the_threshold(twin_rendered, parity_doc):
    html = twin_rendered["html"]
    part = table(html, "table-parity")
    assert part.count('class="pass"') == 2 and "FAIL" not in part
    tensors = table(html, "table-parity-tensors")
    assert "linear1.bias</code> †" in tensors and "batchnorm1.running_var" in tensors
    assert parity_doc["passed"] is True


def test_a_failed_parity_check_shows_fail(twin_runs, parity_doc, twin_rendered):
    bad = json.loads(json.dumps(parity_doc))
    bad["cases"][1]["max_rel_loss_diff"], bad["cases"][1]["passed"], bad["passed"] = 3e-6, False, False
    context = dict(twin_rendered["context"])
    from mlp_cifar.report.parity import parity_context

    context["parity"] = parity_context(bad)
    html = render_html(context, TEMPLATES)
    part = table(html, "table-parity")
    assert part.count('class="fail"') == 1 and "FAIL" in part
    assert "fails" in html[html.index('id="abstract"'):html.index('id="setup"')]


def test_twin_pdf_renders_every_page_with_text(twin_rendered):
    pages = page_texts(twin_rendered["pdf"], twin_rendered["html"])
    assert len(pages) >= 6
    assert all(len(text.split()) > 5 for text in pages)


def test_compute_summary_groups_runs_by_backend_device_and_threads():
    """The provenance section's Compute line: one group per (backend, device, threads), each backend's
    groups together, fewer threads first (runs side by side on 1 thread, the repeats alone on 2)."""
    from mlp_cifar.report.summary import compute_summary

    runs = {"numpy_default": ("numpy", 2), "torch_default": ("torch", 2), "schedule_step": ("numpy", 1),
            "sweep_lr_1em01_bn": ("torch", 1), "numpy_default_seed43": ("numpy", 2)}
    summaries = {name: {"backend": b, "device": "cpu", "threads": t} for name, (b, t) in runs.items()}
    assert [(c["backend"], c["threads"], c["runs"]) for c in compute_summary(summaries)] == [
        ("numpy", 1, ["schedule_step"]), ("numpy", 2, ["numpy_default", "numpy_default_seed43"]),
        ("torch", 1, ["sweep_lr_1em01_bn"]), ("torch", 2, ["torch_default"])]
