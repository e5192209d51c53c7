"""The figure of question 5: the variance of the pre-activations through a deep ReLU network, layer
by layer, for several initialisations (the experiment: ``mlp_cifar.derivations.relu_variance``)."""

from __future__ import annotations

import os
from typing import Mapping

import matplotlib.ticker
from matplotlib.patches import Patch

from mlp_cifar.plots.style import COLOURS, HEIGHT_IN, MARKERS, WIDTH_IN, drawing, key_line, legend_below


def plot_relu_variance(docs: Mapping[str, Mapping], out_svg: str | os.PathLike,
                       zoom: tuple[str, ...] = ("he", "xavier")) -> None:
    """Per-layer pre-activation variance (log scale): mean over the networks (solid, markers), the
    spread of single networks (band) and the prediction (dashed), one colour per initialisation.

    ``docs["relu_variance"]`` is the document of ``derivations.relu_variance.run_experiments``. The
    left panel shows every initialisation; the right one only ``zoom``, on a scale where the spread
    of single networks is visible."""
    depth = docs["relu_variance"]["depth"]
    layers = depth["layers"]
    with drawing(out_svg) as draw:
        fig, axes = draw.subplots(1, 2, figsize=(WIDTH_IN, HEIGHT_IN * 1.15), layout="constrained")
        handles = []
        for ax, panel in zip(axes, ("all", "zoom")):
            for i, (key, curve) in enumerate(depth["curves"].items()):
                if panel == "zoom" and key not in zoom:
                    continue
                colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
                gid = f"{key}" if panel == "all" else f"{key}_zoom"
                ax.fill_between(layers, curve["p10"], curve["p90"], color=colour, alpha=0.18, linewidth=0,
                                gid=f"variance_band_{gid}")
                line = ax.plot(layers, curve["measured"], color=colour, marker=marker, markersize=3.5,
                               label=f"{curve['label']} (×{curve['factor_per_layer']:.3g} per layer)",
                               gid=f"variance_measured_{gid}")
                ax.plot(layers, curve["predicted"], color=colour, linestyle="--", linewidth=1.0, alpha=0.8,
                        gid=f"variance_predicted_{gid}")
                if panel == "all":
                    handles += line
            ax.set_yscale("log")
            ax.set_xlim(0.5, len(layers) + 0.5)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            ax.set_xlabel(f"layer $l$ (width $n = {depth['width']}$)")
        axes[0].set_ylabel(r"variance of the pre-activations $y_l$")
        axes[0].set_title("every initialisation", loc="left")
        axes[1].set_title("He and Xavier, closer", loc="left")
        key = [key_line(f"measured: mean of {depth['n_networks']} networks", marker="o", markersize=3.5),
               Patch(facecolor="#444444", alpha=0.18, label="10th to 90th percentile of single networks"),
               key_line(r"predicted: $n v\,(n v / 2)^{l-1}$", linestyle="--", linewidth=1.0)]
        legend_below(fig, handles, key)
