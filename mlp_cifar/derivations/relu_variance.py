"""Empirical companions of question 5: E[ReLU(f)^2] by Monte Carlo, and the variance through a deep ReLU network.

    doc = run_experiments()    # JSON-ready: Monte Carlo table + per-layer variances

The figure is drawn from that document by ``mlp_cifar.plots.relu_variance.plot_relu_variance``.

The exact values are the ones SymPy proves in ``identities`` (in units of
sigma^2): 1/2 for every symmetric law, 2/e for the shifted exponential; the
tests check that the two agree.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

# ----------------------------------------------------------------------------- Monte Carlo


def _normal(rng, s, n):
    return rng.normal(0.0, s, n)


def _uniform(rng, s, n):
    a = math.sqrt(3) * s
    return rng.uniform(-a, a, n)


def _laplace(rng, s, n):
    return rng.laplace(0.0, s / math.sqrt(2), n)


def _shifted_exponential(rng, s, n):
    return rng.exponential(s, n) - s


# name -> (sampler with mean 0 and standard deviation s, symmetric?, exact E[ReLU(f)^2] / s^2, exact E[ReLU(f)] / s)
LAWS: dict[str, tuple[Callable, bool, float, float]] = {
    "normal": (_normal, True, 0.5, 1 / math.sqrt(2 * math.pi)),
    "uniform": (_uniform, True, 0.5, math.sqrt(3) / 4),
    "Laplace": (_laplace, True, 0.5, 1 / (2 * math.sqrt(2))),
    "shifted exponential": (_shifted_exponential, False, 2 / math.e, 1 / math.e),
}


def monte_carlo(sigma: float = 2.0, n: int = 1_000_000, seed: int = 0) -> list[dict]:
    """For each law: Monte Carlo estimates of E[ReLU(f)^2] (with its standard error) and E[ReLU(f)],
    beside the exact values, for f with mean 0 and standard deviation ``sigma``."""
    rows = []
    for i, (name, (sample, symmetric, second, first)) in enumerate(LAWS.items()):
        f = sample(np.random.default_rng([seed, i]), sigma, n)
        r = np.maximum(f, 0.0)
        r2 = r * r
        estimate, se = float(r2.mean()), float(r2.std(ddof=1) / math.sqrt(n))
        exact = second * sigma ** 2
        rows.append({
            "law": name,
            "symmetric": symmetric,
            "sigma": sigma,
            "n": n,
            "sample_mean": float(f.mean()),
            "sample_variance": float(f.var(ddof=1)),
            "estimate": estimate,
            "standard_error": se,
            "exact": exact,
            "half_variance": sigma ** 2 / 2,
            "z": (estimate - exact) / se,
            "relu_mean_estimate": float(r.mean()),
            "relu_mean_exact": first * sigma,
        })
    return rows


# ----------------------------------------------------------------------------- depth


def initialisations(width: int, small: float = 0.01, large: float = 0.15) -> dict[str, dict]:
    """name -> {label, variance of each weight} for square layers of ``width`` units."""
    return {
        "he": {"label": "He: Var(w) = 2/n", "variance": 2.0 / width},
        "xavier": {"label": "Xavier (Glorot): Var(w) = 2/(n_in + n_out) = 1/n", "variance": 2.0 / (width + width)},
        "small": {"label": f"fixed: std(w) = {small:g}", "variance": small ** 2},
        "large": {"label": f"fixed: std(w) = {large:g}", "variance": large ** 2},
    }


def depth_variance(depth: int = 20, width: int = 256, n_networks: int = 16, n_samples: int = 64,
                   seed: int = 0) -> dict:
    """Variance of the pre-activations y_l = W_l x_l, l = 1..depth, of ReLU networks without biases
    (x_1 standard normal inputs, x_{l+1} = ReLU(y_l), square layers of ``width`` units), for each
    initialisation, beside the prediction Var(y_l) = n v (n v / 2)^(l - 1).

    The prediction is an expectation over the weights, and one finite-width network wanders about it
    (its layers' gains multiply), so ``n_networks`` independent networks are drawn and the mean of
    their variances is reported, with the 10th and 90th percentiles across networks. Every
    initialisation uses the same standard normal draws, scaled by its standard deviation. The
    arithmetic is float32 (variances are accumulated in float64).
    """
    inits = initialisations(width)
    stds = {key: np.float32(math.sqrt(init["variance"])) for key, init in inits.items()}
    per_network = {key: np.zeros((n_networks, depth)) for key in inits}
    for k in range(n_networks):
        rng = np.random.default_rng([seed, k])
        x = rng.standard_normal((n_samples, width), dtype=np.float32)
        h = dict.fromkeys(inits, x)
        for layer in range(depth):
            z_t = rng.standard_normal((width, width), dtype=np.float32).T
            for key, std in stds.items():
                y = (h[key] @ z_t) * std
                per_network[key][k, layer] = y.var(dtype=np.float64)
                h[key] = np.maximum(y, 0, dtype=np.float32)
    curves = {}
    for key, init in inits.items():
        v = per_network[key]
        measured = v.mean(axis=0)
        factor = width * init["variance"] / 2
        predicted = [width * init["variance"] * factor ** (l - 1) for l in range(1, depth + 1)]
        curves[key] = {**init, "factor_per_layer": factor, "measured": measured.tolist(),
                       "p10": np.percentile(v, 10, axis=0).tolist(), "p90": np.percentile(v, 90, axis=0).tolist(),
                       "predicted": predicted, "ratio_last_to_first": float(measured[-1] / measured[0])}
    return {"depth": depth, "width": width, "n_networks": n_networks, "n_samples": n_samples, "seed": seed,
            "input_variance": 1.0, "layers": list(range(1, depth + 1)), "curves": curves}


def run_experiments(sigma: float = 2.0, n: int = 1_000_000, depth: int = 20, width: int = 256,
                    n_networks: int = 16, n_samples: int = 64, seed: int = 0, threads: int | None = 1) -> dict:
    """Both experiments, as one JSON-ready document; BLAS limited to ``threads`` (None: library default)."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(limits=threads):
        doc = {"monte_carlo": monte_carlo(sigma=sigma, n=n, seed=seed),
               "depth": depth_variance(depth=depth, width=width, n_networks=n_networks, n_samples=n_samples,
                                       seed=seed)}
    doc["seconds"] = round(time.perf_counter() - start, 3)
    return doc
