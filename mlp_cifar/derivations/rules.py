"""Entry points of the derivation rules (scripts/derivations.py, relu_variance.py)."""

from __future__ import annotations

import os
import sys

from mlp_cifar.provenance import made_here
from mlp_cifar.results_cache import write_sealed_json


def write_derivations(out: str | os.PathLike) -> dict:
    """Run every SymPy check and every code check; write the document (failures included, so that the
    report shows them as FAILED) and list each result in the log."""
    from mlp_cifar.derivations.code import code_checks
    from mlp_cifar.derivations.identities import run_all

    doc = run_all(code_checks)
    for q in doc["questions"]:
        for d in q["derivations"]:
            for r in d["results"]:
                status = "verified" if r["check"]["passed"] else "FAILED"
                print(f"{r['key']:32s} {status:8s} {r['check']['detail']}")
                if r["code"] is not None:
                    status = "verified" if r["code"]["passed"] else "FAILED"
                    print(f"{'':32s} {status:8s} code: {r['code']['module']}: {r['code']['detail']}")
    doc = write_sealed_json(out, {**doc, "made": made_here()})  # a results cache entry (checksum checked)
    summary = (f"{doc['n_results']} results and {doc['n_code_checks']} code checks in {doc['seconds']:.1f} s: "
               + ("all verified" if doc["passed"] else f"FAILED: {', '.join(doc['failed'])}"))
    print(summary)
    if not doc["passed"]:
        print(f"warning: derivation checks failed ({', '.join(doc['failed'])}); the report marks them FAILED",
              file=sys.__stderr__)
    return doc


def write_relu_variance(out: str | os.PathLike) -> dict:
    from mlp_cifar.derivations.relu_variance import run_experiments

    doc = run_experiments()
    for row in doc["monte_carlo"]:
        print(f"{row['law']:20s} E[ReLU(f)^2]: Monte Carlo {row['estimate']:.4f} ± {row['standard_error']:.4f}, "
              f"exact {row['exact']:.4f} ({row['z']:+.2f} SE)")
    for key, curve in doc["depth"]["curves"].items():
        print(f"{key:8s} Var(y_1) {curve['measured'][0]:.3g}, Var(y_{doc['depth']['depth']}) "
              f"{curve['measured'][-1]:.3g} (predicted {curve['predicted'][-1]:.3g})")
    return write_sealed_json(out, {**doc, "made": made_here()})  # a results cache entry (checksum checked)
