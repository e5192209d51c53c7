"""Figures of single runs and their comparisons: batch losses, validation accuracy, seed bands, and
the per-batch loss difference of two runs (NumPy vs PyTorch)."""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import matplotlib.ticker
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mlp_cifar.formatting import backend_name
from mlp_cifar.plots.style import (COLOURS, HEIGHT_IN, MARKERS, WIDTH_IN, css_id, drawing, key_line,
                                   legend_below)



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


def plot_batch_losses(docs: Mapping[str, Mapping], out_svg: str | os.PathLike) -> None:
    """Loss of every training batch against epochs, one colour per run.

    Each run is a light line of the raw batch losses plus a dark moving
    average over a fifth of an epoch; a run that diverged gets a cross on
    the top edge of the plot at the batch whose loss became non-finite.
    """
    if not docs:
        raise ValueError("plot_batch_losses needs at least one run document")
    with drawing(out_svg) as draw:
        fig, ax = draw.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        all_series, run_handles, any_diverged = [], [], False
        for i, (name, doc) in enumerate(docs.items()):
            colour = COLOURS[i % len(COLOURS)]
            s = batch_loss_series(doc)
            all_series.append(s)
            ax.plot(s["x"], s["loss"], color=colour, alpha=0.3, linewidth=0.6, gid=f"batch_loss_raw_{css_id(name)}")
            run_handles += ax.plot(s["smooth_x"], s["smooth"], color=colour, linewidth=1.8, label=name,
                                   gid=f"batch_loss_smooth_{css_id(name)}")
            if s["diverged_x"] is not None:
                any_diverged = True
                ax.plot([s["diverged_x"]], [1.0], transform=ax.get_xaxis_transform(), marker="X", markersize=9,
                        color=colour, markeredgecolor="black", linestyle="none", clip_on=False, zorder=5,
                        gid=f"batch_loss_diverged_{css_id(name)}")
        ax.set_ylim(*_loss_ylim(all_series))
        right = max((s["x"][-1] for s in all_series if len(s["x"])), default=1.0)
        ax.set_xlim(0, right)
        ax.set_xlabel("training time (epochs)")
        ax.set_ylabel("batch cross-entropy loss (nats)")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        key = [key_line("every batch", linewidth=0.8, alpha=0.45),
               key_line("mean over the last 1/5 epoch", linewidth=1.8)]
        if any_diverged:
            key.append(key_line("diverged (non-finite loss)", marker="X", markersize=8, linestyle="none",
                                markeredgecolor="black"))
        legend_below(fig, run_handles, key)


def plot_val_accuracy(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, train_accuracy: bool = True) -> None:
    """Validation accuracy per epoch (solid, markers) and training accuracy (dashed, unless
    ``train_accuracy`` is false), one colour per run.

    The best-validation epoch of each run, whose model is the one evaluated on
    the test set, is ringed.
    """
    if not docs:
        raise ValueError("plot_val_accuracy needs at least one run document")
    with drawing(out_svg) as draw:
        fig, ax = draw.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
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
                                   label=label, gid=f"val_accuracy_{css_id(name)}")
            if train_accuracy:
                ax.plot(s["epoch"], s["train_accuracy"], color=colour, linestyle="--", linewidth=1.2, alpha=0.8,
                        gid=f"train_accuracy_{css_id(name)}")
            if s["best_epoch"] is not None:
                ax.plot([s["best_epoch"]], [s["best_val_accuracy"]], linestyle="none", marker="o", markersize=13,
                        markerfacecolor="none", markeredgecolor=colour, markeredgewidth=1.6,
                        clip_on=False,  # a best last epoch sits on the axes' edge: keep its whole ring
                        gid=f"best_epoch_{css_id(name)}")
        ax.set_xlim(0.5, max_epoch + 0.5)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (fraction correct)" if train_accuracy else "validation accuracy (fraction correct)")
        key = [key_line("validation", marker="o", markersize=5),
               key_line("training (running, during the epoch)", linestyle="--", linewidth=1.2),
               key_line("best validation epoch (model tested)", marker="o", markersize=11, markerfacecolor="none",
                        linestyle="none", markeredgewidth=1.4)]
        if not train_accuracy:
            del key[1]
        legend_below(fig, run_handles, key)


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


def plot_seed_bands(docs: Mapping[str, Mapping], out_svg: str | os.PathLike,
                    groups: Mapping[str, Sequence[str]]) -> None:
    """Validation accuracy over several seeds, one colour per group (e.g. per backend): every seed
    as a thin line, the mean per epoch with markers, and a band of ±1 sample standard deviation.

    ``groups`` maps a group to the names of its runs (in seed order), each a key of ``docs``.
    """
    if not groups or not any(groups.values()):
        raise ValueError("plot_seed_bands needs at least one group with a run document")
    missing = [name for names in groups.values() for name in names if name not in docs]
    if missing:
        raise ValueError(f"plot_seed_bands: no document for {', '.join(missing)}")
    with drawing(out_svg) as draw:
        fig, ax = draw.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        max_epoch, handles = 1, []
        for i, (group, names) in enumerate(groups.items()):
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            s = seed_band_series({name: docs[name] for name in names})
            if len(s["epoch"]):
                max_epoch = max(max_epoch, int(s["epoch"][-1]))
            for name, row in zip(names, s["val_accuracy"]):
                ax.plot(s["epoch"], row, color=colour, linewidth=0.8, alpha=0.45, gid=f"seed_{css_id(name)}")
            if np.isfinite(s["std"]).any():
                ax.fill_between(s["epoch"], s["mean"] - s["std"], s["mean"] + s["std"], color=colour, alpha=0.18,
                                linewidth=0, gid=f"seed_band_{css_id(group)}")
            label = f"{backend_name(group)}: {len(names)} seed{'s' if len(names) != 1 else ''}"
            handles += ax.plot(s["epoch"], s["mean"], color=colour, marker=marker, markersize=5, linewidth=1.8,
                               label=label, gid=f"seed_mean_{css_id(group)}")
        ax.set_xlim(0.5, max_epoch + 0.5)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy (fraction correct)")
        key = [key_line("mean over the seeds", marker="o", markersize=5, linewidth=1.8),
               key_line("one seed", linewidth=0.8, alpha=0.55),
               Patch(facecolor="#444444", alpha=0.25, label="mean ± 1 sample std (ddof=1)")]
        legend_below(fig, handles, key)


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


DOT_PT = 2.25  # diameter of a dot of plot_loss_difference, in points (matplotlib's "." marker of size 2.5)


def dot_segments(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` as one line of zero-length segments, one per point, split by NaN: drawn with round
    caps, a dot at each point (SVG and PDF both draw a zero-length segment's round cap)."""
    def triples(v):
        out = np.repeat(np.asarray(v, dtype=float), 3)
        out[2::3] = np.nan
        return out

    return triples(x), triples(y)


def plot_loss_difference(docs: Mapping[str, Mapping], out_svg: str | os.PathLike) -> None:
    """Relative difference of the per-batch losses of exactly two runs (log scale), e.g. NumPy and
    PyTorch from the same seed. Exact zeros (identical losses) sit on the bottom edge."""
    if len(docs) != 2:
        raise ValueError(f"plot_loss_difference compares exactly two runs, got {len(docs)}")
    (name_a, a), (name_b, b) = docs.items()
    s = loss_difference_series(a, b)
    with drawing(out_svg) as draw:
        fig, ax = draw.subplots(figsize=(WIDTH_IN, HEIGHT_IN * 0.8), layout="constrained")
        rel = s["rel_diff"]
        positive = rel[np.isfinite(rel) & (rel > 0)]
        floor = float(positive.min()) / 2 if len(positive) else 1e-17
        shown = np.where(rel > 0, rel, floor)
        # Every batch a dot, all of them one path of zero-length segments with round caps: as markers,
        # matplotlib writes each dot as an SVG <use> element of its own, which WeasyPrint draws one by
        # one, a large share of the PDF's time for thousands of batches (docs/performance.md).
        ax.plot(*dot_segments(s["x"], shown), color=COLOURS[0], linewidth=DOT_PT, solid_capstyle="round",
                alpha=0.6, gid="loss_difference")
        dots = Line2D([], [], linestyle="none", marker="o", markersize=DOT_PT, markeredgewidth=0,
                      color=COLOURS[0], alpha=0.6, label="every batch")
        medians = s["epoch_median"]
        if len(medians):
            edges = np.arange(len(medians) + 1, dtype=float)
            ax.stairs(np.where(medians > 0, medians, floor), edges, baseline=None, color="#000000", linewidth=2.2,
                      zorder=3, label="median of the epoch", gid="loss_difference_median")
        ax.set_yscale("log")
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(handles=[dots, *handles], loc="lower right", frameon=True, framealpha=0.9)
        ax.set_xlim(0, float(s["x"][-1]) if len(s["x"]) else 1.0)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("training time (epochs)")
        ax.set_ylabel("relative difference of batch loss")
        ax.set_title(f"{name_a} vs {name_b}", loc="left")
