"""The facts the learning-rate sweep and schedule sections state, derived from ``metrics.json``.

The report's discussion is written from these, never from expectations: which rates learn
(almost) nothing in the epochs given, which rate is best with and without batch norm, from which
rate the plain network diverges and whether batch norm survives there, and whether decaying the
learning rate beat a constant one by more than the seed-to-seed noise. Every fact names the
numbers it rests on, which the templates print next to it.

    sweep_context(metrics["sweep"])                      -> rows of the table + facts per setting
    schedules_context(metrics["schedules"], metrics["groups"]) -> rows + facts of the comparison
"""

from __future__ import annotations

from typing import Mapping, Sequence

from mlp_cifar.runs import lr_text
from mlp_cifar.schedules import label as schedule_label

# A rate is "clearly worse" than the best when its best validation accuracy is more than this
# below the best one (5 percentage points: ten times the seed-to-seed standard deviation of the
# default configuration, about 0.005, and five binomial standard errors on 5,000 images).
MARGIN = 0.05


def _acc(point: Mapping) -> float | None:
    return point.get("best_val_accuracy")


def setting_facts(points: Sequence[Mapping], chance: float, margin: float = MARGIN) -> dict:
    """Facts about the points of one batch-norm setting (any order).

    ``best``: the non-diverged point with the highest best validation accuracy (the smaller rate
    on a tie), None if every point diverged; ``near_best``: non-diverged points within ``margin``
    of it, and their range of rates; ``too_small`` / ``too_large``: non-diverged points below /
    above the best rate that are more than ``margin`` worse; ``near_chance``: non-diverged points
    whose best validation accuracy is below ``chance + margin``; ``diverged``: diverged points, by
    rate; ``smallest_diverged``: the smallest diverging rate; ``all_larger_diverged``: whether every
    rate above it diverged too.
    """
    points = sorted(points, key=lambda p: p["lr"])
    learned = [p for p in points if not p["diverged"] and _acc(p) is not None]
    best = None
    for p in learned:
        if best is None or _acc(p) > _acc(best):
            best = p
    diverged = [p for p in points if p["diverged"]]
    smallest_diverged = diverged[0]["lr"] if diverged else None
    near_best = [p for p in learned if best is not None and _acc(p) >= _acc(best) - margin]
    worse = [p for p in learned if best is not None and _acc(p) < _acc(best) - margin]
    return {
        "points": points,
        "best": best,
        "near_best": near_best,
        "near_best_range": (near_best[0]["lr"], near_best[-1]["lr"]) if near_best else None,
        "too_small": [p for p in worse if p["lr"] < best["lr"]],
        "too_large": [p for p in worse if p["lr"] > best["lr"]],
        "near_chance": [p for p in learned if _acc(p) < chance + margin],
        "diverged": diverged,
        "smallest_diverged": smallest_diverged,
        "all_larger_diverged": smallest_diverged is not None
        and all(p["diverged"] for p in points if p["lr"] >= smallest_diverged),
        "never_learned": [p for p in points if not p["diverged"] and _acc(p) is None],
    }


def batch_norm_comparison(plain: Mapping, bn: Mapping) -> dict:
    """Facts comparing the settings: rates where the plain network diverged but the batch-norm one
    did not (``bn_survives``, with both points), and the difference of the best accuracies."""
    bn_by_lr = {p["lr"]: p for p in bn["points"]}
    survives = [{"lr": p["lr"], "plain": p, "bn": bn_by_lr[p["lr"]]} for p in plain["diverged"]
                if p["lr"] in bn_by_lr and not bn_by_lr[p["lr"]]["diverged"]]
    both_best = plain["best"] is not None and bn["best"] is not None
    return {
        "bn_survives": survives,
        "bn_survives_all": bool(plain["diverged"]) and len(survives) == len(plain["diverged"]),
        "best_diff": _acc(bn["best"]) - _acc(plain["best"]) if both_best else None,
        "wider_range": both_best and bn["near_best_range"][1] / bn["near_best_range"][0]
        > plain["near_best_range"][1] / plain["near_best_range"][0],
    }


def _with_text(point: Mapping | None) -> dict | None:
    return None if point is None else {**point, "lr_text": lr_text(point["lr"])}


def sweep_context(sweep: Mapping | None, n_classes: int = 10, margin: float = MARGIN) -> dict | None:
    """The sweep as the report shows it: one table row per rate (a cell per batch-norm setting) and
    the facts per setting (``facts[False]``: without, ``facts[True]``: with batch norm); None without
    a sweep."""
    points = list((sweep or {}).get("points") or [])
    if not points:
        return None
    chance = 1.0 / n_classes
    settings = sorted({bool(p["batch_norm"]) for p in points})
    lrs = sorted({p["lr"] for p in points})
    by = {bn: {p["lr"]: _with_text(p) for p in points if bool(p["batch_norm"]) == bn} for bn in settings}
    rows = [{"lr": lr, "lr_text": lr_text(lr), "cells": [by[bn].get(lr) for bn in settings]} for lr in lrs]

    def texts(facts: dict) -> dict:
        out = dict(facts)
        for key in ("points", "near_best", "too_small", "too_large", "near_chance", "diverged", "never_learned"):
            out[key] = [_with_text(p) for p in facts[key]]
        out["best"] = _with_text(facts["best"])
        for key in ("smallest_diverged",):
            out[key + "_text"] = None if facts[key] is None else lr_text(facts[key])
        out["near_best_range_text"] = None if not facts["near_best_range"] else \
            tuple(lr_text(x) for x in facts["near_best_range"])
        return out

    facts = {bn: setting_facts(list(by_lr.values()), chance, margin) for bn, by_lr in by.items()}
    comparison = batch_norm_comparison(facts[False], facts[True]) if settings == [False, True] else None
    if comparison:
        comparison["bn_survives"] = [{**s, "lr_text": lr_text(s["lr"])} for s in comparison["bn_survives"]]
    first = points[0]
    return {
        "backend": sweep.get("backend"),
        "settings": settings,
        "lrs": lrs,
        "lrs_text": [lr_text(lr) for lr in lrs],
        "rows": rows,
        "facts": {bn: texts(f) for bn, f in facts.items()},
        "comparison": comparison,
        "chance": chance,
        "margin": margin,
        "epochs": first.get("epochs"),
        "batches_per_epoch": first.get("batches_per_epoch"),
        "n_steps": (first.get("epochs") or 0) * (first.get("batches_per_epoch") or 0),
        "n_diverged": sum(1 for p in points if p["diverged"]),
        "n_points": len(points),
    }


SCHEDULE_TEX = {
    "constant": r"\eta_t = \eta_0",
    "time_based": r"\eta_t = \frac{\eta_0}{1 + k t}",
    "step": r"\eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}",
    "exponential": r"\eta_t = \eta_0 \, \gamma^{t}",
    "cosine": r"\eta_t = \eta_{\min} + (\eta_0 - \eta_{\min}) \, \frac{1 + \cos(\pi t / T)}{2}",
}


def _parameters(spec: Mapping, epochs: int | None) -> str:
    """The spec's parameters in the formula's symbols, as TeX, e.g. 'k = 0.5' or 's = 3,\\ \\gamma = 0.5'."""
    name = spec["name"]
    if name == "time_based":
        return f"k = {spec['decay']:g}"
    if name == "step":
        return rf"s = {spec['step_size']},\ \gamma = {spec['gamma']:g}"
    if name == "exponential":
        return rf"\gamma = {spec['gamma']:g}"
    if name == "cosine":
        return rf"T = {spec.get('epochs', epochs)},\ \eta_{{\min}} = {spec.get('lr_min', 0):g}"
    return ""


def schedules_context(schedules: Mapping | None, groups: Mapping | None = None,
                      decays: Sequence[float] = ()) -> dict | None:
    """The schedule comparison as the report shows it; None without compared schedules.

    ``groups``: ``metrics["groups"]``; the seed-to-seed sample standard deviation of the best
    validation accuracy of the schedules' backend (its default configuration) is the noise a
    difference between schedules is read against. ``decays``: the k of the illustration, whose
    last-epoch rates the text quotes.
    """
    runs = list((schedules or {}).get("runs") or [])
    if not runs:
        return None
    rows = []
    for r in runs:
        epochs = len(r["lrs"]) or None
        rows.append({**r, "label": schedule_label(r["spec"]), "tex": SCHEDULE_TEX[r["name"]],
                     "parameters": _parameters(r["spec"], epochs),
                     "last_lr": r["lrs"][-1] if r["lrs"] else None})
    learned = [r for r in rows if not r["diverged"] and r["best_val_accuracy"] is not None]
    best = max(learned, key=lambda r: r["best_val_accuracy"], default=None)
    constant = next((r for r in rows if r["name"] == "constant"), None)
    decayed = [r for r in learned if r["name"] != "constant"]
    for r in rows:
        r["is_best"] = r is best
        r["val_diff"] = r["test_diff"] = None
        if constant and r is not constant and r["best_val_accuracy"] is not None:
            r["val_diff"] = r["best_val_accuracy"] - constant["best_val_accuracy"]
            if r["test_accuracy"] is not None and constant["test_accuracy"] is not None:
                r["test_diff"] = r["test_accuracy"] - constant["test_accuracy"]
    backend = rows[0]["backend"]
    group = (groups or {}).get(backend) or {}
    noise = (group.get("best_val_accuracy") or {})
    std, n_seeds = noise.get("std"), noise.get("n", 0)
    facts: dict = {"best": best, "constant": constant, "noise_std": std, "n_seeds": n_seeds}
    if constant and decayed:
        top = max(decayed, key=lambda r: r["best_val_accuracy"])
        gain = top["best_val_accuracy"] - constant["best_val_accuracy"]
        facts.update({
            "best_decayed": top,
            "gain": gain,
            "gain_exceeds_noise": None if std is None else gain > 2 * std,
            "n_decayed": len(decayed),
            "n_decayed_better": sum(r["best_val_accuracy"] > constant["best_val_accuracy"] for r in decayed),
            "n_decayed_lower_loss": sum(r["final_train_loss"] is not None and constant["final_train_loss"]
                                        is not None and r["final_train_loss"] < constant["final_train_loss"]
                                        for r in decayed),
            "decayed_loss_range": (min(r["final_train_loss"] for r in decayed),
                                   max(r["final_train_loss"] for r in decayed)),
            "n_decayed_steadier": sum(r["late_val_change"] is not None and constant["late_val_change"] is not None
                                      and r["late_val_change"] < constant["late_val_change"] for r in decayed),
            "decayed_change_range": (min((r["late_val_change"] for r in decayed if r["late_val_change"] is not None),
                                         default=None),
                                     max((r["late_val_change"] for r in decayed if r["late_val_change"] is not None),
                                         default=None)),
        })
    lr0, epochs = rows[0]["lr0"], len(rows[0]["lrs"])
    illustration = [{"k": k, "last_lr": lr0 / (1 + k * (epochs - 1)), "factor": 1 + k * (epochs - 1)}
                    for k in decays] if epochs else []
    return {"rows": rows, "facts": facts, "backend": backend, "lr0": lr0, "epochs": epochs,
            "illustration": illustration}
