"""Figures of the learning-rate schedules: what each schedule does to the learning rate, and the
validation accuracy of the runs that compare them."""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import matplotlib
import matplotlib.ticker
import numpy as np

from mlp_cifar.plots.runs import plot_val_accuracy
from mlp_cifar.plots.style import COLOURS, HEIGHT_IN, MARKERS, WIDTH_IN, css_id, drawing, legend_below
from mlp_cifar.schedules import label, make_schedule


def _lr_colours(lrs) -> dict[float, str]:
    """One colour per value along a sequential map (dark blue: smallest, yellow-green: largest)."""
    lrs = sorted(set(lrs))
    cmap = matplotlib.colormaps["viridis"]
    positions = np.linspace(0.0, 0.85, len(lrs)) if len(lrs) > 1 else [0.0]
    return {lr: matplotlib.colors.to_hex(cmap(p)) for lr, p in zip(lrs, positions)}


def schedule_illustration_series(lr0: float, epochs: int, decays, specs=()) -> dict:
    """What ``plot_schedule_illustration`` draws: the learning rate of each epoch t = 0 .. epochs-1 of
    the time-based decay lr0 / (1 + k t) for each k of ``decays``, and of each schedule spec."""
    t = np.arange(epochs)
    time_based = {float(k): np.array([make_schedule(lr0, {"name": "time_based", "decay": k}, epochs)
                                      .learning_rate(e) for e in t]) for k in decays}
    compared = {label(spec): np.array([make_schedule(lr0, spec, epochs).learning_rate(e) for e in t])
                for spec in specs}
    return {"t": t, "time_based": time_based, "compared": compared}


def plot_schedule_illustration(docs: Mapping[str, Mapping], out_svg: str | os.PathLike, lr0: float, epochs: int,
                               decays: Sequence[float], compare: Sequence[Mapping]) -> None:
    """Learning rate against epoch: left, the time-based decay lr0 / (1 + k t) for several k (with
    k = 0, constant, for reference); right, the schedules ``compare`` (specs) compared in training.
    Drawn from the parameters alone: ``docs`` is not used (the uniform signature of figures)."""
    s = schedule_illustration_series(lr0, epochs, sorted({0.0, *map(float, decays)}), compare)
    with drawing(out_svg) as draw:
        ncols = 2 if s["compared"] else 1
        fig, axes = draw.subplots(1, ncols, figsize=(WIDTH_IN, HEIGHT_IN * 1.1), layout="constrained", sharey=True,
                                  squeeze=False)
        ax = axes[0][0]
        decay_handles, compared_handles = [], []
        colours = _lr_colours([k for k in s["time_based"] if k > 0])  # k is ordered: a sequential map
        for i, (k, lrs) in enumerate(s["time_based"].items()):
            style = {"color": "#777777", "linestyle": ":"} if k == 0 else {"color": colours[k]}
            decay_handles += ax.plot(s["t"], lrs, marker=MARKERS[i % len(MARKERS)], markersize=4,
                                     label=f"k = {k:g}" + (" (constant)" if k == 0 else ""),
                                     gid=f"illustration_time_based_{css_id(f'{k:g}')}", **style)
        ax.set_title("time-based decay η₀ / (1 + k t)", loc="left")
        if s["compared"]:
            ax2 = axes[0][1]
            for i, (name, lrs) in enumerate(s["compared"].items()):
                compared_handles += ax2.plot(s["t"], lrs, color=COLOURS[i % len(COLOURS)],
                                             marker=MARKERS[i % len(MARKERS)], markersize=4, label=name,
                                             gid=f"illustration_compared_{css_id(name)}")
            ax2.set_title("the schedules compared", loc="left")
        for a in axes[0]:
            a.set_xlabel("epoch t (from 0)")
            a.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            a.set_ylim(0, lr0 * 1.05)
        legend_below(fig, decay_handles, compared_handles)
        axes[0][0].set_ylabel(f"learning rate (η₀ = {lr0:g})")


def plot_schedules_val_accuracy(docs: Mapping[str, Mapping], out_svg: str | os.PathLike) -> None:
    """Validation accuracy (no training accuracy) of the runs that compare schedules, each labelled by
    its schedule (e.g. "time-based, k = 0.5") instead of its run name."""
    by_label = {label(doc["config"]["schedule"]): doc for doc in docs.values()}
    plot_val_accuracy(by_label, out_svg, train_accuracy=False)
