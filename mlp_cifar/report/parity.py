"""The parity section: the float64 NumPy/PyTorch parity document, arranged for the report."""

from __future__ import annotations

import math
from typing import Mapping


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
            "any_cancelled": any(t["cancelled"] for t in tensors),
            # the largest relative difference of any batch loss or parameter, over all cases
            "max_rel_diff": max((max(c["max_rel_loss_diff"], c["max_rel_param_diff"]) for c in cases), default=None),
            "devices": first.get("devices", {}), "n_batches": first.get("n_batches")}
