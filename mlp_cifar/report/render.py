"""Render the report: run documents + metrics + figures + provenance -> one HTML file and a PDF.

    context = build_context(runs, metrics, figures, config, provenance, main_run="numpy_default")
    render_report(context, "report/templates", "results/report.html", "results/report.pdf")

The HTML is self-contained: the stylesheet is inlined in ``<style>``, figures
and equations are inline ``<svg>`` (their ids prefixed so they never clash),
and nothing refers to a file or a URL. The PDF is WeasyPrint's rendering of
the same HTML, with a URL fetcher that refuses everything but ``data:`` URIs,
so the PDF cannot silently depend on anything the HTML does not contain.
Both files are written atomically and only after both were produced
successfully: a failure leaves no partial file and keeps the previous pair.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path
from typing import Mapping

import jinja2
import yaml
from markupsafe import Markup

from mlp_cifar.atomic import atomic_path
from mlp_cifar.data.archive import OFFICIAL_MD5
from mlp_cifar.data.dataset import MEAN, STD
from mlp_cifar.formatting import FILTERS
from mlp_cifar.report.derivations import derivations_context
from mlp_cifar.report.equations import make_filters, prefix_svg_ids
from mlp_cifar.report.original import original
from mlp_cifar.report.sweep import schedules_context, sweep_context
from mlp_cifar.report.strong import strong_context
from mlp_cifar.tables import RUNS_TEXT_COLUMNS, runs_table

DEFAULT_MAIN_RUN = "numpy_default"
DEFAULT_TITLE = "A multi-layer perceptron on CIFAR-10, reproduced"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Attributes that make a browser (or WeasyPrint) fetch something.
_REFERENCE = re.compile(r"""\b(src|href|xlink:href|poster|data|srcset|action)\s*=\s*["']([^"']*)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]*)""", re.I)


class ReportError(RuntimeError):
    """The inputs cannot make a correct report (missing run, external reference, ...)."""


# ----------------------------------------------------------------------------- figures


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


# ----------------------------------------------------------------------------- context


def _binomial_se(p: float | None, n: int | None) -> float | None:
    """Standard error of an accuracy ``p`` measured on ``n`` images (at p = 0.5, the largest, if unknown)."""
    if not n:
        return None
    p = 0.5 if p is None else p
    return math.sqrt(p * (1 - p) / n)


def summarise_run(name: str, doc: Mapping, metrics: Mapping | None = None) -> dict:
    """The facts the templates show about one run; ``metrics`` (the workflow's metrics entry
    for the run) takes precedence over the document for the headline numbers."""
    metrics = metrics or {}
    epochs = list(doc.get("epochs") or [])
    best_epoch = metrics.get("best_epoch", doc.get("best_epoch"))
    rows = [{**e, "seconds": e["train_seconds"] + e["eval_seconds"], "is_best": e["epoch"] == best_epoch}
            for e in epochs]
    cfg = dict(doc.get("config") or {})
    lrs = sorted({e["lr"] for e in epochs})
    data = dict(doc.get("data") or {})
    return {
        "name": name,
        "backend": cfg.get("backend"),
        "config": cfg,
        "data": data,
        "epochs": rows,
        "val_accuracies": list(metrics.get("val_accuracies", [e["val_accuracy"] for e in epochs])),
        "best_epoch": best_epoch,
        "best_val_accuracy": metrics.get("best_val_accuracy", doc.get("best_val_accuracy")),
        "test_accuracy": metrics.get("test_accuracy", doc.get("test_accuracy")),
        "test_loss": doc.get("test_loss"),
        "diverged": bool(metrics.get("diverged", doc.get("diverged"))),
        "diverged_at": doc.get("diverged_at"),
        "train_seconds": metrics.get("train_seconds", doc.get("train_seconds")),
        "whiten_seconds": doc.get("whiten_seconds"),
        "total_seconds": doc.get("total_seconds"),
        "batches_per_epoch": doc.get("batches_per_epoch"),
        "n_batches": len(doc.get("batch_losses") or []),
        "learning_rates": lrs,
        "threads": doc.get("threads"),
        "device": doc.get("device"),
        "versions": dict(doc.get("versions") or {}),
        "machine": dict(doc.get("machine") or {}),
    }


def architecture(cfg: Mapping, n_inputs: int = 3072, n_classes: int = 10) -> str:
    """e.g. '3072 → 128 → 10'."""
    return " → ".join(str(n) for n in [n_inputs, *cfg.get("hidden", []), n_classes])


def hyperparameter_rows(run: Mapping) -> list[dict]:
    """(parameter, value, note) rows for the setup table, from the run's own config."""
    cfg, data = run["config"], run["data"]
    hidden = cfg.get("hidden", [])
    lrs = run["learning_rates"]
    if len(lrs) == 1:
        lr = f"{lrs[0]:g}, constant"
    elif lrs:
        lr = f"{cfg.get('lr'):g} (per-epoch schedule, {min(lrs):g} to {max(lrs):g})"
    else:
        lr = f"{cfg.get('lr'):g}"
    n_train, bs = data.get("n_train"), cfg.get("batch_size")
    rows = [
        ("Backend", cfg.get("backend"), "NumPy: hand-written forward and backward passes"
         if cfg.get("backend") == "numpy" else ""),
        ("Layers (units)", architecture(cfg), "fully connected; " + (
            f"ReLU after each of the {len(hidden)} hidden layer{'s' if len(hidden) != 1 else ''}" if hidden
            else "no hidden layer (multinomial logistic regression)")),
        ("Batch normalisation", "yes" if cfg.get("batch_norm") else "no",
         "before each ReLU" if cfg.get("batch_norm") else ""),
        ("Initialisation", "Kaiming normal", "weights N(0, 2/fan-in) after a ReLU, N(0, 1/fan-in) on the pixels; "
         "biases 0"),
        ("Optimiser", "SGD", "mini-batch stochastic gradient descent"),
        ("Learning rate η", lr, ""),
        ("Momentum μ", f"{cfg.get('momentum', 0):g}", "0 is plain SGD"),
        ("Weight decay λ", f"{cfg.get('weight_decay', 0):g}", "L2 penalty, added to the gradient"),
        ("Batch size B", bs, f"{run['batches_per_epoch']} batches per epoch; the last incomplete batch is dropped"
         if run["batches_per_epoch"] else ""),
        ("Epochs", cfg.get("epochs"), "the model with the best validation accuracy is kept"),
        ("Seed", cfg.get("seed"), "initialisation and batch order"),
        ("Split seed", data.get("split_seed", "—"), "train/validation split"),
        ("Floating point", cfg.get("dtype"), ""),
    ]
    return [{"name": n, "value": "—" if v is None else v, "note": note} for n, v, note in rows]


def comparison(orig: Mapping, ours: Mapping) -> dict:
    """Headline and per-epoch rows: original value, ours, ours − original."""

    def row(label, a, b):
        return {"label": label, "original": a, "ours": b, "integer": False,
                "diff": None if a is None or b is None else b - a}

    headline = [
        row("Best validation accuracy", orig["best_val_accuracy"], ours["best_val_accuracy"]),
        {"label": "Epoch of best validation accuracy", "original": orig["best_epoch"], "ours": ours["best_epoch"],
         "diff": None if ours["best_epoch"] is None else ours["best_epoch"] - orig["best_epoch"],
         "integer": True},
        row("Test accuracy of that model", orig["test_accuracy"], ours["test_accuracy"]),
    ]
    a, b = orig["val_accuracies"], ours["val_accuracies"]
    epochs = []
    for i in range(max(len(a), len(b))):
        r = row(i + 1, a[i] if i < len(a) else None, b[i] if i < len(b) else None)
        r["original_best"] = i + 1 == orig["best_epoch"]
        r["ours_best"] = i + 1 == ours["best_epoch"]
        epochs.append(r)
    diffs = [r["diff"] for r in epochs if r["diff"] is not None]
    return {
        "label": orig["label"],
        "headline": headline,
        "epochs": epochs,
        "mean_abs_diff": sum(abs(d) for d in diffs) / len(diffs) if diffs else None,
        "max_abs_diff": max((abs(d) for d in diffs), default=None),
    }


def _provenance(provenance: Mapping, config: Mapping, run: Mapping) -> dict:
    git = dict(provenance.get("git") or {})
    archive = dict(provenance.get("archive") or {})
    archive.setdefault("md5", run["data"].get("archive_md5"))
    if archive.get("official") is None:
        archive["official"] = run["data"].get("official_archive")
    cpu = dict(provenance.get("cpu") or run["machine"])
    # Through JSON: plain dicts, lists and scalars, whatever mapping types the caller passed.
    used_config = json.loads(json.dumps(provenance.get("config") or config or {}, default=str))
    rule_seconds = dict(provenance.get("rule_seconds") or {})
    versions = dict(provenance.get("versions") or run["versions"])
    return {
        "git": {"commit": git.get("commit"), "dirty": git.get("dirty")},
        "versions": versions,
        "config": used_config,
        "config_yaml": yaml.safe_dump(used_config, sort_keys=False, default_flow_style=False, allow_unicode=True)
        if used_config else "",
        "archive": {"path": archive.get("path"), "md5": archive.get("md5"), "official": archive.get("official"),
                    "official_md5": OFFICIAL_MD5},
        "rule_seconds": rule_seconds,
        "rule_seconds_total": sum(v for v in rule_seconds.values() if v is not None),
        "cpu": {"cpu_count": cpu.get("cpu_count"), "processor": cpu.get("processor"),
                "platform": cpu.get("platform")},
        "threads": provenance.get("threads", run["threads"]),
    }


def _seed_stats(group: Mapping | None, key: str) -> dict:
    stats = dict((group or {}).get(key) or {})
    return {"mean": stats.get("mean"), "std": stats.get("std"), "n": stats.get("n", 0),
            "per_seed": list(stats.get("per_seed") or [])}


def backends_context(summaries: Mapping[str, Mapping], metrics: Mapping, originals: Mapping) -> dict | None:
    """NumPy and PyTorch side by side, from ``metrics["backends"]`` (the two main runs, same seed) and
    ``metrics["groups"]`` (each backend's default configuration over the seeds); None without both."""
    pair = (metrics or {}).get("backends")
    if not pair or pair.get("numpy_run") not in summaries or pair.get("torch_run") not in summaries:
        return None
    runs = {"numpy": summaries[pair["numpy_run"]], "torch": summaries[pair["torch_run"]]}
    groups = (metrics or {}).get("groups") or {}
    stats = {b: {k: _seed_stats(groups.get(b), k) for k in ("best_val_accuracy", "test_accuracy")} for b in runs}
    headline = []
    for key, label in (("best_val_accuracy", "Best validation accuracy"), ("test_accuracy", "Test accuracy")):
        headline.append({"label": label, "kind": "seed", "by_backend": {b: runs[b][key] for b in runs}})
        headline.append({"label": label, "kind": "mean", "by_backend": {b: stats[b][key] for b in runs}})
        headline.append({"label": label, "kind": "original", "by_backend": {b: originals[b][key] for b in runs}})
    seed_rows = []
    for b in runs:
        group = groups.get(b) or {}
        for i, (name, seed) in enumerate(zip(group.get("runs") or [], group.get("seeds") or [])):
            seed_rows.append({"backend": b, "run": name, "seed": seed, "main": name == runs[b]["name"],
                              "best_val_accuracy": stats[b]["best_val_accuracy"]["per_seed"][i],
                              "test_accuracy": stats[b]["test_accuracy"]["per_seed"][i]})
    a, t = runs["numpy"]["val_accuracies"], runs["torch"]["val_accuracies"]
    oa, ot = originals["numpy"]["val_accuracies"], originals["torch"]["val_accuracies"]

    def at(values, i):
        return values[i] if i < len(values) else None

    epochs = []
    for i in range(max(len(a), len(t), len(oa), len(ot))):
        x, y = at(a, i), at(t, i)
        epochs.append({"epoch": i + 1, "numpy": x, "torch": y, "diff": None if x is None or y is None else y - x,
                       "numpy_best": i + 1 == runs["numpy"]["best_epoch"],
                       "torch_best": i + 1 == runs["torch"]["best_epoch"],
                       "original_numpy": at(oa, i), "original_torch": at(ot, i)})
    diffs = [abs(e["diff"]) for e in epochs if e["diff"] is not None]
    test_diff = pair.get("test_accuracy_diff")
    test_std = [stats[b]["test_accuracy"]["std"] for b in runs if stats[b]["test_accuracy"]["std"] is not None]
    return {
        "numpy": runs["numpy"],
        "torch": runs["torch"],
        "same_seed": runs["numpy"]["config"].get("seed") == runs["torch"]["config"].get("seed"),
        "headline": headline,
        "seed_rows": seed_rows,
        "stats": stats,
        "n_seeds": min((stats[b]["best_val_accuracy"]["n"] for b in runs), default=0),
        "std_kind": (groups.get("numpy") or {}).get("std"),
        "epochs": epochs,
        "max_abs_epoch_diff": max(diffs, default=None),
        "best_val_diff": pair.get("best_val_accuracy_diff"),
        "first_loss_diff": pair.get("first_batch_loss_rel_diff"),
        "median_loss_diffs": list(pair.get("batch_loss_rel_diff_median_per_epoch") or []),
        "test_diff": test_diff,
        "within_one_point": None if test_diff is None else abs(test_diff) <= 0.01,
        "largest_test_std": max(test_std, default=None),
    }


def parity_context(parity: Mapping | None) -> dict | None:
    """The float64 parity document (``mlp_cifar.parity.parity_report``), arranged for the report."""
    if not parity:
        return None
    cases = list(parity["cases"])
    names = []
    for case in cases:
        names += [t["name"] for t in case["parameters"] if t["name"] not in names]
    # Forward order: linear1, batchnorm1, linear2, ... (layer number, then linear before batch norm).
    def order(name):
        layer = name.split(".")[0]
        number = int("".join(ch for ch in layer if ch.isdigit()) or 0)
        return number, 0 if layer.startswith("linear") else 1, names.index(name)

    by_case = [{t["name"]: t for t in case["parameters"]} for case in cases]
    tensors = [{"name": n, "shape": next(c[n]["shape"] for c in by_case if n in c),
                "by_case": [c[n]["max_rel_diff"] if n in c else None for c in by_case],
                "cancelled": any(n in c and "cancelled" in c[n]["relative_to"] for c in by_case)}
               for n in sorted(names, key=order)]
    first = cases[0] if cases else {}
    exponent = math.log10(parity["threshold"])
    threshold_tex = f"10^{{{round(exponent)}}}" if exponent == round(exponent) else f"{parity['threshold']:g}"
    return {"threshold": parity["threshold"], "threshold_tex": threshold_tex, "passed": parity["passed"],
            "settings": parity["settings"],
            "data": parity["data"], "cases": cases, "tensors": tensors,
            "devices": first.get("devices", {}), "n_batches": first.get("n_batches")}


def compute_summary(summaries: Mapping[str, Mapping]) -> list[dict]:
    """Runs grouped by (backend, device, threads): where and on how many threads they trained."""
    groups: dict[tuple, list[str]] = {}
    for name, run in summaries.items():
        groups.setdefault((run["backend"], run.get("device"), run.get("threads")), []).append(name)
    return [{"backend": b, "device": d, "threads": t, "runs": names} for (b, d, t), names in groups.items()]


def build_context(runs: Mapping[str, Mapping], metrics: Mapping, figures: Mapping[str, str | os.PathLike],
                  config: Mapping, provenance: Mapping, main_run: str = DEFAULT_MAIN_RUN,
                  title: str = DEFAULT_TITLE, parity: Mapping | None = None,
                  derivations: Mapping | None = None) -> dict:
    """Everything the templates need, as plain data.

    ``runs``: run name -> result document; ``metrics``: ``{"runs": {name: {...}}}``;
    ``figures``: figure key (``batch_losses``, ``val_accuracy``, ...) -> SVG file;
    ``config``: the workflow configuration (shown in Provenance unless
    ``provenance["config"]`` is given); ``provenance``: ``{git: {commit, dirty},
    versions: {package: version}, config: {...}, archive: {path, md5, official},
    rule_seconds: {rule: seconds}, cpu: {cpu_count, processor, platform},
    threads: int | None}`` (missing entries fall back to the main run's
    document or show as unknown); ``main_run``: the run shown in the NumPy
    results section and compared with the original report. With ``metrics["backends"]``
    (see ``mlp_cifar.metrics``) the PyTorch run named there gets its own results section
    (figures ``<run>_batch_losses`` and ``<run>_val_accuracy``) and NumPy and PyTorch are
    compared (figures ``numpy_vs_torch_*``, ``seeds_val_accuracy``); ``parity``: the float64
    parity document of ``mlp_cifar.parity``; ``derivations``: keyword arguments of
    ``mlp_cifar.report.derivations.derivations_context`` (``results``, ``relu_variance``,
    ``figure``) for the derivations section, which is left out without them.
    """
    if main_run not in runs:
        raise ReportError(f"main run {main_run!r} is not among the runs: {sorted(runs)}")
    run_metrics = (metrics or {}).get("runs", {})
    summaries = {name: summarise_run(name, doc, run_metrics.get(name)) for name, doc in runs.items()}
    main = summaries[main_run]
    prov = _provenance(provenance or {}, config or {}, main)

    inlined = {}
    for key, path in figures.items():
        inlined[key] = inline_svg(Path(path).read_text(encoding="utf-8"), f"fig-{key}-", label=key.replace("_", " "))

    originals = {backend: original(backend) for backend in ("numpy", "torch")}
    backends = backends_context(summaries, metrics, originals)
    backend = main["backend"] if main["backend"] in originals else "numpy"
    data = main["data"]
    official = prov["archive"]["official"]
    return {
        "title": title,
        "main_run": main_run,
        "run": main,
        "runs": summaries,
        "figures": inlined,
        "architecture": architecture(main["config"]),
        "hyperparameters": hyperparameter_rows(main),
        "original": originals,
        "comparison": comparison(originals[backend], main),
        "data": {
            "n_train": data.get("n_train"),
            "n_val": data.get("n_val"),
            "n_test": data.get("n_test"),
            "n_train_pool": (data.get("n_train") or 0) + (data.get("n_val") or 0),
            "split_seed": data.get("split_seed"),
            "mean": MEAN,
            "std": STD,
            "official": official,
            "md5": prov["archive"]["md5"],
            "official_md5": OFFICIAL_MD5,
        },
        "standard_error": {
            "val": _binomial_se(main["best_val_accuracy"], data.get("n_val")),
            "test": _binomial_se(main["test_accuracy"], data.get("n_test")),
        },
        "provenance": prov,
        "torch": backends["torch"] if backends else None,
        "backends": backends,
        "parity": parity_context(parity),
        "compute": compute_summary(summaries),
        "derivations": derivations_context(**derivations) if derivations else None,
        # The learning-rate sweep and the schedule comparison (mlp_cifar.report.sweep); None without them.
        "sweep": sweep_context((metrics or {}).get("sweep")),
        "schedules": schedules_context((metrics or {}).get("schedules"), (metrics or {}).get("groups"),
                                       decays=((config or {}).get("schedules") or {}).get("decays") or ()),
        "strong": strong_context(summaries, main_run),  # run `strong` beside the main run, if it exists
        # Every run, one row each (the same table as results/tables/runs.html); None without metrics.
        "all_runs": _all_runs(metrics),
    }


def _all_runs(metrics: Mapping | None) -> dict | None:
    if not (metrics or {}).get("runs"):
        return None
    columns, rows = runs_table(metrics)
    return {"columns": columns, "rows": rows,
            "text_columns": {i for i, c in enumerate(columns) if c in RUNS_TEXT_COLUMNS}}


# ----------------------------------------------------------------------------- rendering


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


def external_references(html: str) -> list[str]:
    """Every URL in ``html`` that would be fetched from outside the document (not ``#...``, not ``data:``)."""
    found = [value for _, value in _REFERENCE.findall(html)] + _CSS_URL.findall(html)
    return [v for v in found if v.strip() and not v.strip().startswith(("#", "data:"))]


def _refuse_fetch(url: str, *args, **kwargs):
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ReportError(f"the report must be self-contained but refers to {url}")


def render_html(context: Mapping, templates_dir: str | os.PathLike, css_path: str | os.PathLike | None = None,
                template: str = "report.html.j2") -> str:
    """The report as one self-contained HTML string (the stylesheet inlined)."""
    templates_dir = Path(templates_dir)
    css_path = Path(css_path) if css_path else templates_dir.parent / "style.css"
    css = css_path.read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ReportError(f"{css_path} contains '</style'")
    html = make_environment(templates_dir).get_template(template).render(**context, css=Markup(css))
    external = external_references(html)
    if external:
        raise ReportError(f"the report is not self-contained; it refers to {sorted(set(external))[:5]}")
    return html


def render_report(context: Mapping, templates_dir: str | os.PathLike, out_html: str | os.PathLike,
                  out_pdf: str | os.PathLike, css_path: str | os.PathLike | None = None) -> None:
    """Write the report as ``out_html`` (self-contained) and ``out_pdf`` (A4, WeasyPrint), atomically.

    ``css_path`` defaults to ``style.css`` beside ``templates_dir`` (``report/style.css``).
    """
    import weasyprint

    html = render_html(context, templates_dir, css_path)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting chatter
    with ExitStack() as stack:
        html_tmp = stack.enter_context(atomic_path(out_html))
        pdf_tmp = stack.enter_context(atomic_path(out_pdf))
        html_tmp.write_text(html, encoding="utf-8")
        weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(pdf_tmp)
