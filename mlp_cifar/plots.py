"""Figures for the report, drawn from run documents (see ``mlp_cifar.training.train``).

Every function takes ``docs``, a mapping from run name to result document, so
the same figure overlays any number of runs (NumPy vs PyTorch, several seeds).
Output is SVG sized for print (16 cm wide, fonts of 9 pt and up) and
byte-for-byte reproducible: fixed hash salt, no date, glyphs as paths.

The ``*_series`` helpers return exactly the numbers that are plotted, so tests
(and readers) can check a figure against its documents.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mlp_cifar.atomic import atomic_path  # noqa: E402

CM = 1 / 2.54
WIDTH_IN = 16 * CM
HEIGHT_IN = 8.5 * CM

STYLE = {
    "svg.hashsalt": "mlp-cifar",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9.5,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.axisbelow": True,
    "lines.linewidth": 1.6,
    "path.simplify": False,  # keep every plotted point in the SVG
}

# Colour-blind-safe (Okabe-Ito), readable in greyscale print by order of lightness.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _css_id(name: str) -> str:
    """A string usable inside an SVG/HTML id: the run name with other characters replaced by '-'."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


@contextmanager
def _style():
    with plt.rc_context(STYLE):
        yield


def _save(fig: Figure, out_svg: str | os.PathLike) -> None:
    with atomic_path(out_svg) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.04)


def moving_average_window(batches_per_epoch: int, n: int) -> int:
    """Window (in batches) of the smoothed loss: a fifth of an epoch, at least 1, at most the series length."""
    return max(1, min(n, round(batches_per_epoch / 5)))


def batch_loss_series(doc: Mapping) -> dict:
    """What ``plot_batch_losses`` draws for one run.

    ``x`` is the training time in epochs at the end of each batch
    (``(i + 1) / batches_per_epoch``), ``loss`` the batch loss (NaN where the
    document has null, i.e. a non-finite loss), ``smooth_x``/``smooth`` the
    trailing moving average over ``window`` finite batches, and
    ``diverged_x`` the position of the first non-finite batch (None if the
    run never diverged).
    """
    bpe = int(doc["batches_per_epoch"])
    raw = doc["batch_losses"]
    loss = np.array([np.nan if v is None else float(v) for v in raw], dtype=float)
    x = (np.arange(len(loss)) + 1) / bpe
    finite = np.isfinite(loss)
    window = moving_average_window(bpe, int(finite.sum()) or 1)
    fx, fl = x[finite], loss[finite]
    if len(fl) >= window:
        kernel = np.ones(window) / window
        smooth = np.convolve(fl, kernel, mode="valid")
        smooth_x = fx[window - 1:]
    else:
        smooth, smooth_x = fl.copy(), fx.copy()
    first_bad = np.flatnonzero(~finite)
    diverged_x = float(x[first_bad[0]]) if len(first_bad) else None
    if diverged_x is None and doc.get("diverged"):
        diverged_x = float(x[-1]) if len(x) else 0.0
    return {"x": x, "loss": loss, "smooth_x": smooth_x, "smooth": smooth, "window": window,
            "diverged_x": diverged_x}


def val_accuracy_series(doc: Mapping) -> dict:
    """What ``plot_val_accuracy`` draws for one run: per-epoch validation and training accuracy."""
    epochs = doc["epochs"]
    return {
        "epoch": np.array([e["epoch"] for e in epochs], dtype=int),
        "val_accuracy": np.array([e["val_accuracy"] for e in epochs], dtype=float),
        "train_accuracy": np.array([e["train_accuracy"] for e in epochs], dtype=float),
        "best_epoch": doc.get("best_epoch"),
        "best_val_accuracy": doc.get("best_val_accuracy"),
    }


def _loss_ylim(series: list[dict]) -> tuple[float, float]:
    """From 0 to the largest finite loss, but at most twice the largest 99th percentile,
    so that one exploding run does not flatten the others into a line."""
    finite = [s["loss"][np.isfinite(s["loss"])] for s in series]
    finite = [f for f in finite if len(f)]
    if not finite:
        return 0.0, 1.0
    highest = max(float(f.max()) for f in finite)
    typical = max(float(np.percentile(f, 99)) for f in finite)
    top = min(highest, 2 * typical)
    return 0.0, top * 1.04 if top > 0 else 1.0


def _legend(fig: Figure, runs: list, key: list) -> None:
    """One legend below the axes: the runs (by colour) in the left column, the line styles in the right.

    Legends fill column by column, so the shorter column is padded with blank entries.
    """
    from matplotlib.lines import Line2D

    rows = max(len(runs), len(key))
    blank = Line2D([], [], linestyle="none", label=" ")
    runs = runs + [blank] * (rows - len(runs))
    key = key + [blank] * (rows - len(key))
    fig.legend(handles=runs + key, loc="outside lower center", ncols=2, frameon=False, columnspacing=3.0)


def _key(label: str, **style) -> "matplotlib.lines.Line2D":
    from matplotlib.lines import Line2D

    return Line2D([], [], color="#444444", label=label, **style)


def plot_batch_losses(docs: Mapping[str, Mapping], out_svg: str | os.PathLike) -> Figure:
    """Loss of every training batch against epochs, one colour per run; returns the (closed) figure.

    Each run is a light line of the raw batch losses plus a dark moving
    average over a fifth of an epoch; a run that diverged gets a cross on
    the top edge of the plot at the batch whose loss became non-finite.
    """
    if not docs:
        raise ValueError("plot_batch_losses needs at least one run document")
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        all_series, run_handles, any_diverged = [], [], False
        for i, (name, doc) in enumerate(docs.items()):
            colour = COLOURS[i % len(COLOURS)]
            s = batch_loss_series(doc)
            all_series.append(s)
            ax.plot(s["x"], s["loss"], color=colour, alpha=0.3, linewidth=0.6, gid=f"batch_loss_raw_{_css_id(name)}")
            run_handles += ax.plot(s["smooth_x"], s["smooth"], color=colour, linewidth=1.8, label=name,
                                   gid=f"batch_loss_smooth_{_css_id(name)}")
            if s["diverged_x"] is not None:
                any_diverged = True
                ax.plot([s["diverged_x"]], [1.0], transform=ax.get_xaxis_transform(), marker="X", markersize=9,
                        color=colour, markeredgecolor="black", linestyle="none", clip_on=False, zorder=5,
                        gid=f"batch_loss_diverged_{_css_id(name)}")
        ax.set_ylim(*_loss_ylim(all_series))
        right = max((s["x"][-1] for s in all_series if len(s["x"])), default=1.0)
        ax.set_xlim(0, right)
        ax.set_xlabel("training time (epochs)")
        ax.set_ylabel("batch cross-entropy loss (nats)")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        key = [_key("every batch", linewidth=0.8, alpha=0.45),
               _key("mean over the last 1/5 epoch", linewidth=1.8)]
        if any_diverged:
            key.append(_key("diverged (non-finite loss)", marker="X", markersize=8, linestyle="none",
                            markeredgecolor="black"))
        _legend(fig, run_handles, key)
        _save(fig, out_svg)
        plt.close(fig)
    return fig


def plot_val_accuracy(docs: Mapping[str, Mapping], out_svg: str | os.PathLike,
                      train_accuracy: bool = True) -> Figure:
    """Validation accuracy per epoch (solid, markers) and training accuracy (dashed, unless
    ``train_accuracy`` is false), one colour per run.

    The best-validation epoch of each run, whose model is the one evaluated on
    the test set, is ringed. Returns the (closed) figure.
    """
    if not docs:
        raise ValueError("plot_val_accuracy needs at least one run document")
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        max_epoch, run_handles = 1, []
        for i, (name, doc) in enumerate(docs.items()):
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            s = val_accuracy_series(doc)
            if len(s["epoch"]):
                max_epoch = max(max_epoch, int(s["epoch"].max()))
            if s["best_epoch"] is None:
                label = f"{name}: no completed epoch"
            else:
                label = f"{name}: best {s['best_val_accuracy']:.4f} at epoch {s['best_epoch']}"
            run_handles += ax.plot(s["epoch"], s["val_accuracy"], color=colour, marker=marker, markersize=5,
                                   label=label, gid=f"val_accuracy_{_css_id(name)}")
            if train_accuracy:
                ax.plot(s["epoch"], s["train_accuracy"], color=colour, linestyle="--", linewidth=1.2, alpha=0.8,
                        gid=f"train_accuracy_{_css_id(name)}")
            if s["best_epoch"] is not None:
                ax.plot([s["best_epoch"]], [s["best_val_accuracy"]], linestyle="none", marker="o", markersize=13,
                        markerfacecolor="none", markeredgecolor=colour, markeredgewidth=1.6,
                        gid=f"best_epoch_{_css_id(name)}")
        ax.set_xlim(0.5, max_epoch + 0.5)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (fraction correct)" if train_accuracy else "validation accuracy (fraction correct)")
        key = [_key("validation", marker="o", markersize=5),
               _key("training (running, during the epoch)", linestyle="--", linewidth=1.2),
               _key("best validation epoch (model tested)", marker="o", markersize=11, markerfacecolor="none",
                    linestyle="none", markeredgewidth=1.4)]
        if not train_accuracy:
            del key[1]
        _legend(fig, run_handles, key)
        _save(fig, out_svg)
        plt.close(fig)
    return fig


BACKEND_LABELS = {"numpy": "NumPy", "torch": "PyTorch"}


def seed_band_series(docs: Mapping[str, Mapping]) -> dict:
    """What ``plot_seed_bands`` draws for one group of runs (one configuration, several seeds).

    ``val_accuracy`` is (runs x epochs), NaN after a run stopped early; ``mean`` and ``std``
    (sample standard deviation, ddof=1; NaN where fewer than two runs have the epoch) are per epoch.
    """
    curves = [val_accuracy_series(doc)["val_accuracy"] for doc in docs.values()]
    n_epochs = max((len(c) for c in curves), default=0)
    vals = np.full((len(curves), n_epochs), np.nan)
    for i, c in enumerate(curves):
        vals[i, : len(c)] = c
    count = np.sum(np.isfinite(vals), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(vals, axis=0)
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        sq = np.nansum((vals - mean) ** 2, axis=0)
        std = np.where(count > 1, np.sqrt(sq / np.maximum(count - 1, 1)), np.nan)
    return {"epoch": np.arange(1, n_epochs + 1), "val_accuracy": vals, "mean": mean, "std": std,
            "seeds": [doc.get("seed") for doc in docs.values()]}


def plot_seed_bands(groups: Mapping[str, Mapping[str, Mapping]], out_svg: str | os.PathLike) -> Figure:
    """Validation accuracy over several seeds, one colour per group (e.g. per backend): every seed
    as a thin line, the mean per epoch with markers, and a band of ±1 sample standard deviation."""
    if not groups or not any(groups.values()):
        raise ValueError("plot_seed_bands needs at least one group with a run document")
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        max_epoch, handles = 1, []
        for i, (group, docs) in enumerate(groups.items()):
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            s = seed_band_series(docs)
            if len(s["epoch"]):
                max_epoch = max(max_epoch, int(s["epoch"][-1]))
            for name, row in zip(docs, s["val_accuracy"]):
                ax.plot(s["epoch"], row, color=colour, linewidth=0.8, alpha=0.45, gid=f"seed_{_css_id(name)}")
            if np.isfinite(s["std"]).any():
                ax.fill_between(s["epoch"], s["mean"] - s["std"], s["mean"] + s["std"], color=colour, alpha=0.18,
                                linewidth=0, gid=f"seed_band_{_css_id(group)}")
            label = f"{BACKEND_LABELS.get(group, group)}: {len(docs)} seed{'s' if len(docs) != 1 else ''}"
            handles += ax.plot(s["epoch"], s["mean"], color=colour, marker=marker, markersize=5, linewidth=1.8,
                               label=label, gid=f"seed_mean_{_css_id(group)}")
        ax.set_xlim(0.5, max_epoch + 0.5)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy (fraction correct)")
        from matplotlib.patches import Patch

        key = [_key("mean over the seeds", marker="o", markersize=5, linewidth=1.8),
               _key("one seed", linewidth=0.8, alpha=0.55),
               Patch(facecolor="#444444", alpha=0.25, label="mean ± 1 sample std (ddof=1)")]
        _legend(fig, handles, key)
        _save(fig, out_svg)
        plt.close(fig)
    return fig


def loss_difference_series(a: Mapping, b: Mapping) -> dict:
    """What ``plot_loss_difference`` draws: per batch, |loss_a - loss_b| / max(|loss_a|, |loss_b|)
    (NaN where either is missing or non-finite), against training time in epochs."""
    bpe = int(a["batches_per_epoch"])
    n = min(len(a["batch_losses"]), len(b["batch_losses"]))
    la = np.array([np.nan if v is None else float(v) for v in a["batch_losses"][:n]])
    lb = np.array([np.nan if v is None else float(v) for v in b["batch_losses"][:n]])
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(la == lb, 0.0, np.abs(la - lb) / np.maximum(np.abs(la), np.abs(lb)))
    n_epochs = -(-n // bpe)
    medians = np.array([np.nanmedian(rel[e * bpe:(e + 1) * bpe]) if np.isfinite(rel[e * bpe:(e + 1) * bpe]).any()
                        else np.nan for e in range(n_epochs)])
    return {"x": (np.arange(n) + 1) / bpe, "rel_diff": rel, "epoch_median": medians}


def plot_loss_difference(docs: Mapping[str, Mapping], out_svg: str | os.PathLike) -> Figure:
    """Relative difference of the per-batch losses of exactly two runs (log scale), e.g. NumPy and
    PyTorch from the same seed. Exact zeros (identical losses) sit on the bottom edge."""
    if len(docs) != 2:
        raise ValueError(f"plot_loss_difference compares exactly two runs, got {len(docs)}")
    (name_a, a), (name_b, b) = docs.items()
    s = loss_difference_series(a, b)
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN * 0.8), layout="constrained")
        rel = s["rel_diff"]
        positive = rel[np.isfinite(rel) & (rel > 0)]
        floor = float(positive.min()) / 2 if len(positive) else 1e-17
        shown = np.where(rel > 0, rel, floor)
        ax.plot(s["x"], shown, color=COLOURS[0], linestyle="none", marker=".", markersize=2.5, alpha=0.45,
                label="every batch", gid="loss_difference")
        medians = s["epoch_median"]
        if len(medians):
            edges = np.arange(len(medians) + 1, dtype=float)
            ax.stairs(np.where(medians > 0, medians, floor), edges, baseline=None, color="#000000", linewidth=2.2,
                      zorder=3, label="median of the epoch", gid="loss_difference_median")
        ax.set_yscale("log")
        ax.legend(loc="lower right", frameon=True, framealpha=0.9)
        ax.set_xlim(0, float(s["x"][-1]) if len(s["x"]) else 1.0)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("training time (epochs)")
        ax.set_ylabel("relative difference of batch loss")
        ax.set_title(f"{name_a} vs {name_b}", loc="left")
        _save(fig, out_svg)
        plt.close(fig)
    return fig


# ----------------------------------------------------------------------------- learning-rate sweep and schedules

from mlp_cifar.runs import lr_text  # noqa: E402

BATCH_NORM_LABELS = {False: "without batch norm", True: "with batch norm"}


def _by_batch_norm(docs: Mapping[str, Mapping]) -> dict[bool, list[tuple[str, Mapping]]]:
    """Run documents grouped by batch-norm setting (without first), each group by learning rate."""
    groups: dict[bool, list[tuple[str, Mapping]]] = {}
    for name, doc in docs.items():
        groups.setdefault(bool(doc["config"]["batch_norm"]), []).append((name, doc))
    return {bn: sorted(groups[bn], key=lambda item: item[1]["config"]["lr"]) for bn in sorted(groups)}


def _lr_colours(lrs) -> dict[float, str]:
    """One colour per learning rate along a sequential map (dark blue: smallest, yellow-green: largest)."""
    lrs = sorted(set(lrs))
    cmap = matplotlib.colormaps["viridis"]
    positions = np.linspace(0.0, 0.85, len(lrs)) if len(lrs) > 1 else [0.0]
    return {lr: matplotlib.colors.to_hex(cmap(p)) for lr, p in zip(lrs, positions)}


def sweep_accuracy_series(docs: Mapping[str, Mapping]) -> dict[bool, dict]:
    """What ``plot_sweep_accuracy`` draws, per batch-norm setting, by learning rate: ``lr``,
    ``best_val_accuracy`` (NaN where no epoch completed), ``diverged`` and the ``runs``."""
    out = {}
    for bn, items in _by_batch_norm(docs).items():
        out[bn] = {
            "lr": np.array([d["config"]["lr"] for _, d in items], dtype=float),
            "best_val_accuracy": np.array([np.nan if d["best_val_accuracy"] is None else d["best_val_accuracy"]
                                           for _, d in items], dtype=float),
            "diverged": np.array([bool(d["diverged"]) for _, d in items], dtype=bool),
            "runs": [name for name, _ in items],
        }
    return out


def _diverged_marker(ax, x, level: int, colour: str, gid: str, step: float = 0.055) -> None:
    """A cross on the top edge of ``ax`` at data ``x`` (``step`` lower for each further ``level``)."""
    ax.plot([x], [1.0 - step * level], transform=ax.get_xaxis_transform(), marker="X", markersize=8.5,
            color=colour, markeredgecolor="black", markeredgewidth=0.6, linestyle="none", clip_on=False, zorder=5,
            gid=gid)


def plot_sweep_accuracy(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, n_classes: int = 10) -> Figure:
    """Best validation accuracy against learning rate (log axis), one line per batch-norm setting.

    A diverged run (non-finite loss) is a cross on the top edge; if it completed epochs before it
    diverged, the best of those is a hollow marker, not joined to the line. A dotted line marks chance.
    """
    if not docs:
        raise ValueError("plot_sweep_accuracy needs at least one run document")
    series = sweep_accuracy_series(docs)
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        handles, any_diverged, any_before = [], False, False
        top = 1.0 / n_classes
        for i, (bn, s) in enumerate(series.items()):
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            acc, div = s["best_val_accuracy"], s["diverged"]
            joined = np.where(div, np.nan, acc)  # NaN breaks the line at a diverged point
            handles += ax.plot(s["lr"], joined, color=colour, marker=marker, markersize=6, label=BATCH_NORM_LABELS[bn],
                               gid=f"sweep_accuracy_{'bn' if bn else 'plain'}")
            before = div & np.isfinite(acc)
            if before.any():
                any_before = True
                ax.plot(s["lr"][before], acc[before], linestyle="none", marker=marker, markersize=7,
                        markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.5,
                        gid=f"sweep_before_divergence_{'bn' if bn else 'plain'}")
            for lr, run in zip(s["lr"][div], np.array(s["runs"])[div]):
                any_diverged = True
                _diverged_marker(ax, lr, i, colour, f"sweep_diverged_{_css_id(str(run))}")
            if np.isfinite(acc).any():
                top = max(top, float(np.nanmax(acc)))
        ax.axhline(1.0 / n_classes, color="#777777", linestyle=":", linewidth=1.2, gid="sweep_chance")
        ax.set_xscale("log")
        lrs = np.concatenate([s["lr"] for s in series.values()])
        ax.set_xlim(lrs.min() / 2.5, lrs.max() * 2.5)
        ax.set_ylim(0.0, min(1.0, top * 1.15 + 0.02))
        ax.set_xlabel("learning rate η (log scale)")
        ax.set_ylabel("best validation accuracy")
        key = [_key(f"chance (1/{n_classes})", linestyle=":", linewidth=1.2)]
        if any_diverged:
            key.append(_key("diverged: loss became non-finite (top edge)", marker="X", markersize=8,
                            linestyle="none", markeredgecolor="black"))
        if any_before:
            key.append(_key("diverged later: best epoch before that", marker="o", markersize=7, linestyle="none",
                            markerfacecolor="white"))
        _legend(fig, handles, key)
        _save(fig, out_svg)
        plt.close(fig)
    return fig


def _diverged_x(doc: Mapping) -> float | None:
    """Training time (epochs) at the first non-finite batch, or None."""
    at = doc.get("diverged_at")
    if not doc.get("diverged") or not at:
        return None
    return at["epoch"] - 1 + at["batch"] / doc["batches_per_epoch"]


def _log_loss_axis(ax) -> None:
    """Log y axis with ticks that read as plain numbers, chosen for the range of the data (call it
    after plotting): steps of 1, 2, 5 within a few decades, linear steps when the curves hardly move
    (a log axis would have no tick at all), powers of ten over many decades."""
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, LogLocator, MaxNLocator, NullFormatter

    ax.set_yscale("log")
    low, high = ax.get_ylim()
    decades = float(np.log10(high / low)) if 0 < low < high else 0.0
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    if decades < 0.45:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_formatter(plain)
    elif decades < 2.5:
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(plain)
    elif decades < 5.5:
        ax.yaxis.set_major_locator(LogLocator(base=10))
        ax.yaxis.set_major_formatter(plain)
    else:
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
        ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    ax.yaxis.set_minor_formatter(NullFormatter())


def _power_text(value: float) -> str:
    """A large number for a label: 5.35e+35 -> '5×10³⁵'; ordinary ones as %g."""
    if not 1e-3 <= abs(value) < 1e4:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}×10" + str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{value:g}"


def _panel_loss_limits(ax, curves: list[tuple[np.ndarray, bool]]) -> float:
    """Log-scale y limits of one panel from its curves, (values, diverged) each: the range of the runs
    that did not diverge when there are any, so that the runaway losses of a diverging run (which
    grow by many powers of ten in a few batches) leave the other curves readable; they run off the
    top edge instead, where the cross marks the divergence. Returns the top limit."""
    finite = [(v[np.isfinite(v) & (v > 0)], d) for v, d in curves]
    finite = [(v, d) for v, d in finite if len(v)]
    kept = [v for v, d in finite if not d] or [v for v, _ in finite]
    if not kept:
        ax.set_ylim(1.0, 10.0)
        return 10.0
    low = min(float(v.min()) for v in kept)
    high = max(float(v.max()) for v in kept)
    if high <= low * 1.02:
        low, high = low / 1.05, high * 1.05
    pad = (high / low) ** 0.06
    ax.set_ylim(low / pad, high * pad)
    return high * pad


def _lr_panels(docs: Mapping[str, Mapping], ncols: int, row_height_cm: float):
    """A grid of small multiples, one panel per learning rate (in order), for the sweep's figures.
    Returns (figure, [(axes, lr, [(name, doc)] without batch norm first)], colour by batch-norm setting)."""
    by_lr: dict[float, list[tuple[str, Mapping]]] = {}
    for name, doc in docs.items():
        by_lr.setdefault(float(doc["config"]["lr"]), []).append((name, doc))
    settings = sorted({bool(d["config"]["batch_norm"]) for d in docs.values()})
    colour_of = {bn: COLOURS[i % len(COLOURS)] for i, bn in enumerate(settings)}
    lrs = sorted(by_lr)
    ncols = max(1, min(ncols, len(lrs)))
    nrows = -(-len(lrs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH_IN, row_height_cm * CM * nrows + 2.2 * CM),
                             layout="constrained", sharex=True, squeeze=False)
    panels = []
    for k, lr in enumerate(lrs):
        ax = axes[k // ncols][k % ncols]
        ax.set_title(f"η = {lr_text(lr)}", loc="left")
        if k + ncols >= len(lrs):  # the lowest panel of its column
            ax.xaxis.set_tick_params(labelbottom=True)
        panels.append((ax, lr, sorted(by_lr[lr], key=lambda item: bool(item[1]["config"]["batch_norm"]))))
    for k in range(len(lrs), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    for row in axes:
        row[0].set_ylabel("loss")
    return fig, panels, colour_of


def _mark_divergence(ax, doc: Mapping, name: str, x: float, level: int, colour: str, right: float, top: float,
                     prefix: str) -> None:
    """Cross on the top edge at ``x`` and a label: where it diverged, and how high the loss went
    before that if it ran off the top of the panel."""
    _diverged_marker(ax, x, level, colour, f"{prefix}_diverged_{_css_id(name)}", step=0.13)
    at = doc.get("diverged_at") or {}
    text = f"diverged: epoch {at['epoch']}, batch {at['batch']}" if at else "diverged"
    finite = [v for v in doc.get("batch_losses") or [] if v is not None]
    if finite and max(finite) > top:
        text += f"\n(loss up to {_power_text(max(finite))})"
    left = x < 0.55 * right
    ax.annotate(text, (x, 1.0 - 0.13 * level), xycoords=ax.get_xaxis_transform(), xytext=(7 if left else -7, 0),
                textcoords="offset points", va="top" if "\n" in text else "center", ha="left" if left else "right",
                fontsize=7, color=colour, linespacing=1.1, gid=f"{prefix}_diverged_label_{_css_id(name)}")


SMALL_MULTIPLES = {"xtick.labelsize": 8, "ytick.labelsize": 8, "axes.titlesize": 9.5, "axes.labelsize": 9}


def plot_sweep_epoch_losses(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, ncols: int = 3) -> Figure:
    """Small multiples, one panel per learning rate: the training loss (mean over each epoch, solid)
    and the validation loss after each epoch (dashed), one colour per batch-norm setting, each panel
    on its own log scale. A cross on the top edge marks a run's first non-finite batch loss."""
    if not docs:
        raise ValueError("plot_sweep_epoch_losses needs at least one run document")
    right = max(int(d["config"]["epochs"]) for d in docs.values())
    with _style(), plt.rc_context(SMALL_MULTIPLES):
        fig, panels, colour_of = _lr_panels(docs, ncols, 4.0)
        any_diverged = False
        for ax, lr, items in panels:
            curves = []
            for name, doc in items:
                colour = colour_of[bool(doc["config"]["batch_norm"])]
                epochs = [e["epoch"] for e in doc["epochs"]]
                for key, style in (("train_loss", "-"), ("val_loss", "--")):
                    values = np.array([np.nan if e[key] is None else e[key] for e in doc["epochs"]], dtype=float)
                    ax.plot(epochs, values, color=colour, linestyle=style, marker="o", markersize=2.5,
                            linewidth=1.3, gid=f"sweep_{key}_{_css_id(name)}")
                    curves.append((values, bool(doc["diverged"])))
            top = _panel_loss_limits(ax, curves)
            level = 0
            for name, doc in items:
                x = _diverged_x(doc)
                if x is not None:
                    any_diverged = True
                    _mark_divergence(ax, {**doc, "batch_losses": []}, name, x, level,
                                     colour_of[bool(doc["config"]["batch_norm"])], right, top, "sweep_epoch")
                    level += 1
            _log_loss_axis(ax)
            ax.set_xlim(0, right + 0.3)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=5))
            ax.set_xlabel("epoch")
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=colour, linewidth=1.4, label=BATCH_NORM_LABELS[bn])
                   for bn, colour in colour_of.items()]
        handles += [_key("training loss (mean over the epoch)", linewidth=1.3, marker="o", markersize=2.5),
                    _key("validation loss", linewidth=1.3, linestyle="--", marker="o", markersize=2.5)]
        if any_diverged:
            handles.append(_key("diverged (non-finite loss)", marker="X", markersize=8, linestyle="none",
                                markeredgecolor="black"))
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, columnspacing=1.5)
        _save(fig, out_svg)
        plt.close(fig)
    return fig


def plot_sweep_batch_losses(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, ncols: int = 3) -> Figure:
    """Small multiples, one panel per learning rate: the loss of every batch (light) and its moving
    average over a fifth of an epoch (dark), one colour per batch-norm setting, each panel on its own
    log scale fitted to the runs that did not diverge, so that no curve is flattened by another. A
    cross on the top edge marks divergence, labelled with the batch and how high the loss went."""
    if not docs:
        raise ValueError("plot_sweep_batch_losses needs at least one run document")
    right = max(max(len(d["batch_losses"]) / d["batches_per_epoch"], int(d["config"]["epochs"]))
                for d in docs.values())
    with _style(), plt.rc_context(SMALL_MULTIPLES):
        fig, panels, colour_of = _lr_panels(docs, ncols, 4.3)
        any_diverged = False
        for ax, lr, items in panels:
            curves, marks = [], []
            for name, doc in items:
                colour = colour_of[bool(doc["config"]["batch_norm"])]
                s = batch_loss_series(doc)
                few = int(np.isfinite(s["loss"]).sum()) <= 40  # e.g. diverged at once: show the points
                ax.plot(s["x"], s["loss"], color=colour, alpha=0.8 if few else 0.3, linewidth=0.6,
                        marker="." if few else None, markersize=3, gid=f"sweep_batch_raw_{_css_id(name)}")
                ax.plot(s["smooth_x"], s["smooth"], color=colour, linewidth=1.4,
                        gid=f"sweep_batch_smooth_{_css_id(name)}")
                curves.append((s["loss"], bool(doc["diverged"])))
                if s["diverged_x"] is not None:
                    marks.append((name, doc, s["diverged_x"], colour))
            top = _panel_loss_limits(ax, curves)
            for level, (name, doc, x, colour) in enumerate(marks):
                any_diverged = True
                _mark_divergence(ax, doc, name, x, level, colour, right, top, "sweep_batch")
            _log_loss_axis(ax)
            ax.set_xlim(0, right)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=5))
            ax.set_xlabel("epochs")
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=colour, linewidth=1.4, label=BATCH_NORM_LABELS[bn])
                   for bn, colour in colour_of.items()]
        handles += [_key("every batch", linewidth=0.8, alpha=0.45),
                    _key("mean over the last 1/5 epoch", linewidth=1.4)]
        if any_diverged:
            handles.append(_key("diverged (non-finite loss)", marker="X", markersize=8, linestyle="none",
                                markeredgecolor="black"))
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, columnspacing=1.5)
        _save(fig, out_svg)
        plt.close(fig)
    return fig


def schedule_illustration_series(lr0: float, epochs: int, decays, specs=()) -> dict:
    """What ``plot_schedule_illustration`` draws: the learning rate of each epoch t = 0 .. epochs-1 of
    the time-based decay lr0 / (1 + k t) for each k of ``decays``, and of each schedule spec."""
    from mlp_cifar.schedules import label, make_schedule

    t = np.arange(epochs)
    time_based = {float(k): np.array([make_schedule(lr0, {"name": "time_based", "decay": k}, epochs)
                                      .learning_rate(e) for e in t]) for k in decays}
    compared = {label(spec): np.array([make_schedule(lr0, spec, epochs).learning_rate(e) for e in t])
                for spec in specs}
    return {"t": t, "time_based": time_based, "compared": compared}


def plot_schedule_illustration(lr0: float, epochs: int, decays, specs, out_svg: str | os.PathLike) -> Figure:
    """Learning rate against epoch: left, the time-based decay lr0 / (1 + k t) for several k (with
    k = 0, constant, for reference); right, the schedules compared in training."""
    s = schedule_illustration_series(lr0, epochs, sorted({0.0, *map(float, decays)}), specs)
    with _style():
        ncols = 2 if s["compared"] else 1
        fig, axes = plt.subplots(1, ncols, figsize=(WIDTH_IN, HEIGHT_IN * 1.1), layout="constrained", sharey=True,
                                 squeeze=False)
        ax = axes[0][0]
        decay_handles, compared_handles = [], []
        colours = _lr_colours([k for k in s["time_based"] if k > 0])  # k is ordered: a sequential map
        for i, (k, lrs) in enumerate(s["time_based"].items()):
            style = {"color": "#777777", "linestyle": ":"} if k == 0 else {"color": colours[k]}
            decay_handles += ax.plot(s["t"], lrs, marker=MARKERS[i % len(MARKERS)], markersize=4,
                                     label=f"k = {k:g}" + (" (constant)" if k == 0 else ""),
                                     gid=f"illustration_time_based_{_css_id(f'{k:g}')}", **style)
        ax.set_title("time-based decay η₀ / (1 + k t)", loc="left")
        if s["compared"]:
            ax2 = axes[0][1]
            for i, (name, lrs) in enumerate(s["compared"].items()):
                compared_handles += ax2.plot(s["t"], lrs, color=COLOURS[i % len(COLOURS)],
                                             marker=MARKERS[i % len(MARKERS)], markersize=4, label=name,
                                             gid=f"illustration_compared_{_css_id(name)}")
            ax2.set_title("the schedules compared", loc="left")
        for a in axes[0]:
            a.set_xlabel("epoch t (from 0)")
            a.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            a.set_ylim(0, lr0 * 1.05)
        _legend(fig, decay_handles, compared_handles)
        axes[0][0].set_ylabel(f"learning rate (η₀ = {lr0:g})")
        _save(fig, out_svg)
        plt.close(fig)
    return fig
