"""Figures of the learning-rate sweep: best validation accuracy against the rate, and small
multiples (one panel per rate) of the epoch losses and of the batch losses. Runs that diverged
(non-finite loss) are marked with a cross on the top edge."""

from __future__ import annotations

import os
from typing import Mapping

import matplotlib.ticker
import numpy as np

from mlp_cifar.formatting import lr_text, power_text
from mlp_cifar.plots.runs import batch_loss_series
from mlp_cifar.plots.style import (CM, COLOURS, HEIGHT_IN, MARKERS, WIDTH_IN, css_id, drawing, key_line,
                                   legend_below)

BATCH_NORM_LABELS = {False: "without batch norm", True: "with batch norm"}

# Smaller text for the panels of the small multiples.
SMALL_MULTIPLES = {"xtick.labelsize": 8, "ytick.labelsize": 8, "axes.titlesize": 9.5, "axes.labelsize": 9}


def _by_batch_norm(docs: Mapping[str, Mapping]) -> dict[bool, list[tuple[str, Mapping]]]:
    """Run documents grouped by batch-norm setting (without first), each group by learning rate."""
    groups: dict[bool, list[tuple[str, Mapping]]] = {}
    for name, doc in docs.items():
        groups.setdefault(bool(doc["config"]["batch_norm"]), []).append((name, doc))
    return {bn: sorted(groups[bn], key=lambda item: item[1]["config"]["lr"]) for bn in sorted(groups)}


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


def _diverged_key():
    return key_line("diverged (non-finite loss)", marker="X", markersize=8, linestyle="none", markeredgecolor="black")


def plot_sweep_accuracy(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, n_classes: int = 10) -> None:
    """Best validation accuracy against learning rate (log axis), one line per batch-norm setting.

    A diverged run (non-finite loss) is a cross on the top edge; if it completed epochs before it
    diverged, the best of those is a hollow marker, not joined to the line. A dotted line marks chance.
    """
    if not docs:
        raise ValueError("plot_sweep_accuracy needs at least one run document")
    series = sweep_accuracy_series(docs)
    with drawing(out_svg) as draw:
        fig, ax = draw.subplots(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
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
                _diverged_marker(ax, lr, i, colour, f"sweep_diverged_{css_id(str(run))}")
            if np.isfinite(acc).any():
                top = max(top, float(np.nanmax(acc)))
        ax.axhline(1.0 / n_classes, color="#777777", linestyle=":", linewidth=1.2, gid="sweep_chance")
        ax.set_xscale("log")
        lrs = np.concatenate([s["lr"] for s in series.values()])
        ax.set_xlim(lrs.min() / 2.5, lrs.max() * 2.5)
        ax.set_ylim(0.0, min(1.0, top * 1.15 + 0.02))
        ax.set_xlabel("learning rate η (log scale)")
        ax.set_ylabel("best validation accuracy")
        key = [key_line(f"chance (1/{n_classes})", linestyle=":", linewidth=1.2)]
        if any_diverged:
            key.append(key_line("diverged: loss became non-finite (top edge)", marker="X", markersize=8,
                                linestyle="none", markeredgecolor="black"))
        if any_before:
            key.append(key_line("diverged later: best epoch before that", marker="o", markersize=7, linestyle="none",
                                markerfacecolor="white"))
        legend_below(fig, handles, key)


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


def _lr_panels(draw, docs: Mapping[str, Mapping], ncols: int, row_height_cm: float):
    """A grid of small multiples, one panel per learning rate (in order), for the sweep's figures, made
    with ``draw`` (see ``style.drawing``). Returns (figure, [(axes, lr, [(name, doc)] without batch norm
    first)], colour by batch-norm setting)."""
    by_lr: dict[float, list[tuple[str, Mapping]]] = {}
    for name, doc in docs.items():
        by_lr.setdefault(float(doc["config"]["lr"]), []).append((name, doc))
    settings = sorted({bool(d["config"]["batch_norm"]) for d in docs.values()})
    colour_of = {bn: COLOURS[i % len(COLOURS)] for i, bn in enumerate(settings)}
    lrs = sorted(by_lr)
    ncols = max(1, min(ncols, len(lrs)))
    nrows = -(-len(lrs) // ncols)
    fig, axes = draw.subplots(nrows, ncols, figsize=(WIDTH_IN, row_height_cm * CM * nrows + 2.2 * CM),
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
    _diverged_marker(ax, x, level, colour, f"{prefix}_diverged_{css_id(name)}", step=0.13)
    at = doc.get("diverged_at") or {}
    text = f"diverged: epoch {at['epoch']}, batch {at['batch']}" if at else "diverged"
    finite = [v for v in doc.get("batch_losses") or [] if v is not None]
    if finite and max(finite) > top:
        text += f"\n(loss up to {power_text(max(finite))})"
    left = x < 0.55 * right
    ax.annotate(text, (x, 1.0 - 0.13 * level), xycoords=ax.get_xaxis_transform(), xytext=(7 if left else -7, 0),
                textcoords="offset points", va="top" if "\n" in text else "center", ha="left" if left else "right",
                fontsize=7, color=colour, linespacing=1.1, gid=f"{prefix}_diverged_label_{css_id(name)}")


def _panels_legend(fig, colour_of: dict, key: list, any_diverged: bool) -> None:
    """The legend below small multiples: the batch-norm settings (by colour), then the line styles."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colour, linewidth=1.4, label=BATCH_NORM_LABELS[bn])
               for bn, colour in colour_of.items()]
    handles += key
    if any_diverged:
        handles.append(_diverged_key())
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, columnspacing=1.5)


def plot_sweep_epoch_losses(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, ncols: int = 3) -> None:
    """Small multiples, one panel per learning rate: the training loss (mean over each epoch, solid)
    and the validation loss after each epoch (dashed), one colour per batch-norm setting, each panel
    on its own log scale. A cross on the top edge marks a run's first non-finite batch loss."""
    if not docs:
        raise ValueError("plot_sweep_epoch_losses needs at least one run document")
    right = max(int(d["config"]["epochs"]) for d in docs.values())
    with drawing(out_svg, rc=SMALL_MULTIPLES) as draw:
        fig, panels, colour_of = _lr_panels(draw, docs, ncols, 4.0)
        any_diverged = False
        for ax, lr, items in panels:
            curves = []
            for name, doc in items:
                colour = colour_of[bool(doc["config"]["batch_norm"])]
                epochs = [e["epoch"] for e in doc["epochs"]]
                for key, style in (("train_loss", "-"), ("val_loss", "--")):
                    values = np.array([np.nan if e[key] is None else e[key] for e in doc["epochs"]], dtype=float)
                    ax.plot(epochs, values, color=colour, linestyle=style, marker="o", markersize=2.5,
                            linewidth=1.3, gid=f"sweep_{key}_{css_id(name)}")
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
        _panels_legend(fig, colour_of,
                       [key_line("training loss (mean over the epoch)", linewidth=1.3, marker="o", markersize=2.5),
                        key_line("validation loss", linewidth=1.3, linestyle="--", marker="o", markersize=2.5)],
                       any_diverged)


def plot_sweep_batch_losses(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, ncols: int = 3) -> None:
    """Small multiples, one panel per learning rate: the loss of every batch (light) and its moving
    average over a fifth of an epoch (dark), one colour per batch-norm setting, each panel on its own
    log scale fitted to the runs that did not diverge, so that no curve is flattened by another. A
    cross on the top edge marks divergence, labelled with the batch and how high the loss went."""
    if not docs:
        raise ValueError("plot_sweep_batch_losses needs at least one run document")
    right = max(max(len(d["batch_losses"]) / d["batches_per_epoch"], int(d["config"]["epochs"]))
                for d in docs.values())
    with drawing(out_svg, rc=SMALL_MULTIPLES) as draw:
        fig, panels, colour_of = _lr_panels(draw, docs, ncols, 4.3)
        any_diverged = False
        for ax, lr, items in panels:
            curves, marks = [], []
            for name, doc in items:
                colour = colour_of[bool(doc["config"]["batch_norm"])]
                s = batch_loss_series(doc)
                few = int(np.isfinite(s["loss"]).sum()) <= 40  # e.g. diverged at once: show the points
                ax.plot(s["x"], s["loss"], color=colour, alpha=0.8 if few else 0.3, linewidth=0.6,
                        marker="." if few else None, markersize=3, gid=f"sweep_batch_raw_{css_id(name)}")
                ax.plot(s["smooth_x"], s["smooth"], color=colour, linewidth=1.4,
                        gid=f"sweep_batch_smooth_{css_id(name)}")
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
        _panels_legend(fig, colour_of,
                       [key_line("every batch", linewidth=0.8, alpha=0.45),
                        key_line("mean over the last 1/5 epoch", linewidth=1.4)],
                       any_diverged)
