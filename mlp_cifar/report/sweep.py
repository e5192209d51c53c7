"""The facts the learning-rate sweep section states, derived from ``metrics.json``.

The report's discussion is written from these, never from expectations: which rates learn
(almost) nothing in the epochs given, which rate is best with and without batch norm, from which
rate the plain network diverges and whether batch norm survives there,. Every fact names the
numbers it rests on, which the templates print next to it; every count, comparison, selection and
number-to-text the templates need is made here, so that they only place ready values.

    sweep_context(metrics["sweep"])                      -> rows of the table + facts per setting
"""

from __future__ import annotations

from typing import Mapping, Sequence

from mlp_cifar.formatting import backend_name, lr_text

# A rate is "clearly worse" than the best when its best validation accuracy is more than this
# below the best one (5 percentage points: ten times the seed-to-seed standard deviation of the
# default configuration, about 0.005, and five binomial standard errors on 5,000 images).
MARGIN = 0.05
# A batch loss above this, though finite, is called out as not small (batch norm surviving a rate).
HUGE_LOSS = 1000.0


def lr_list(points: Sequence[Mapping]) -> str:
    """The points' rates for a sentence: '10⁻⁶', '10⁻⁶ and 0.1', '10⁻⁶, 0.01 and 0.1'."""
    texts = [lr_text(p["lr"]) for p in points]
    return ", ".join(texts[:-1]) + " and " + texts[-1] if len(texts) > 1 else "".join(texts)


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

    For the text: ``slow``: the near-chance points below the best rate; ``several_too_small`` /
    ``several_too_large``: more than one such point; ``diverged_from_smallest_up``: more than one
    rate diverged, and every rate from the smallest of them up; ``diverged_after_epochs``: diverged
    points that completed an epoch first (they have an accuracy); ``larger_rate_trained``: some rate
    above the best one trained without diverging.
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
    near_chance = [p for p in learned if _acc(p) < chance + margin]
    all_larger_diverged = smallest_diverged is not None and all(p["diverged"] for p in points
                                                                if p["lr"] >= smallest_diverged)
    too_small = [p for p in worse if p["lr"] < best["lr"]]
    too_large = [p for p in worse if p["lr"] > best["lr"]]
    return {
        "points": points,
        "best": best,
        "near_best": near_best,
        "near_best_range": (near_best[0]["lr"], near_best[-1]["lr"]) if near_best else None,
        "too_small": too_small,
        "too_large": too_large,
        "near_chance": near_chance,
        "diverged": diverged,
        "smallest_diverged": smallest_diverged,
        "all_larger_diverged": all_larger_diverged,
        "never_learned": [p for p in points if not p["diverged"] and _acc(p) is None],
        "slow": [p for p in near_chance if best is not None and p["lr"] < best["lr"]],
        "several_too_small": len(too_small) > 1,
        "several_too_large": len(too_large) > 1,
        "diverged_from_smallest_up": all_larger_diverged and len(diverged) > 1,
        "diverged_after_epochs": [p for p in diverged if _acc(p) is not None],
        "larger_rate_trained": best is not None and any(not p["diverged"] and p["lr"] > best["lr"] for p in points),
    }


def batch_norm_comparison(plain: Mapping, bn: Mapping) -> dict:
    """Facts comparing the settings (``setting_facts`` of each): rates where the plain network diverged
    but the batch-norm one did not (``bn_survives``, with both points and whether the batch-norm one
    stayed near chance), those of them where batch norm still ends more than the margin below its best
    (``bn_survives_poor``) or saw a batch loss above ``HUGE_LOSS`` (``bn_survives_huge_loss``), and
    the difference of the best accuracies (``best_diff``, when both settings have one: ``both_best``)."""
    bn_by_lr = {p["lr"]: p for p in bn["points"]}
    near_chance = {p["run"] for p in bn["near_chance"]}
    worse = {p["run"] for p in bn["too_small"] + bn["too_large"]}
    survives = [{"lr": p["lr"], "lr_text": lr_text(p["lr"]), "plain": p, "bn": bn_by_lr[p["lr"]],
                 "near_chance": bn_by_lr[p["lr"]]["run"] in near_chance} for p in plain["diverged"]
                if p["lr"] in bn_by_lr and not bn_by_lr[p["lr"]]["diverged"]]
    both_best = plain["best"] is not None and bn["best"] is not None
    return {
        "bn_survives": survives,
        "bn_survives_poor": [s for s in survives if s["bn"]["run"] in worse],
        "bn_survives_huge_loss": [s for s in survives if s["bn"].get("max_batch_loss") is not None
                                  and s["bn"]["max_batch_loss"] > HUGE_LOSS],
        "both_best": both_best,
        "bn_survives_all": bool(plain["diverged"]) and len(survives) == len(plain["diverged"]),
        "best_diff": _acc(bn["best"]) - _acc(plain["best"]) if both_best else None,
        "wider_range": both_best and bn["near_best_range"][1] / bn["near_best_range"][0]
        > plain["near_best_range"][1] / plain["near_best_range"][0],
    }


def _with_text(point: Mapping | None) -> dict | None:
    """The point with what the text says of it: its rate, how many epochs it completed, and by how many
    percent the mean training loss of its last epoch is below or above that of its first (None without)."""
    if point is None:
        return None
    first, final, n = point.get("first_epoch_train_loss"), point.get("final_train_loss"), point.get("epochs_completed")
    return {**point, "lr_text": lr_text(point["lr"]),
            "epochs_completed_text": None if n is None else f"{n} epoch{'s' if n != 1 else ''}",
            "train_loss_change_percent": 100 * (final / first - 1) if first and final is not None else None}


def sweep_context(sweep: Mapping | None, n_classes: int = 10, margin: float = MARGIN) -> dict | None:
    """The sweep as the report shows it: one table row per rate (a cell per batch-norm setting, the
    best of its setting marked ``is_best``) and the facts per setting (``facts[False]``: without,
    ``facts[True]``: with batch norm), each point with its texts; None without a sweep."""
    points = list((sweep or {}).get("points") or [])
    if not points:
        return None
    chance = 1.0 / n_classes
    settings = sorted({bool(p["batch_norm"]) for p in points})
    lrs = sorted({p["lr"] for p in points})
    by = {bn: {p["lr"]: _with_text(p) for p in points if bool(p["batch_norm"]) == bn} for bn in settings}
    facts = {bn: setting_facts(list(by_lr.values()), chance, margin) for bn, by_lr in by.items()}

    def cell(bn: bool, lr: float) -> dict | None:
        point, best = by[bn].get(lr), facts[bn]["best"]
        return None if point is None else {**point, "is_best": best is not None and best["run"] == point["run"]}

    rows = [{"lr": lr, "lr_text": lr_text(lr), "cells": [cell(bn, lr) for bn in settings]} for lr in lrs]

    def texts(facts: dict) -> dict:
        out = dict(facts)
        for key in ("points", "near_best", "too_small", "too_large", "near_chance", "diverged", "never_learned",
                    "slow", "diverged_after_epochs"):
            out[key] = [_with_text(p) for p in facts[key]]
        for key in ("too_small", "too_large", "slow", "diverged"):
            out[key + "_lrs_text"] = lr_list(facts[key])
        out["best"] = _with_text(facts["best"])
        for key in ("smallest_diverged",):
            out[key + "_text"] = None if facts[key] is None else lr_text(facts[key])
        out["near_best_range_text"] = None if not facts["near_best_range"] else \
            tuple(lr_text(x) for x in facts["near_best_range"])
        return out

    comparison = batch_norm_comparison(facts[False], facts[True]) if settings == [False, True] else None
    if comparison:
        for key in ("bn_survives", "bn_survives_poor"):
            comparison[key + "_lrs_text"] = lr_list(comparison[key])
    first = points[0]
    return {
        "backend": sweep.get("backend"),
        "backend_name": backend_name(sweep.get("backend")),
        "settings": settings,
        "both_settings": len(settings) == 2,
        "single_setting": settings[0] if len(settings) == 1 else None,
        "lrs": lrs,
        "n_lrs": len(lrs),
        "lrs_text": [lr_text(lr) for lr in lrs],
        "lr_min_text": lr_text(lrs[0]),
        "lr_max_text": lr_text(lrs[-1]),
        "rows": rows,
        "facts": {bn: texts(f) for bn, f in facts.items()},
        "any_too_small": any(f["too_small"] for f in facts.values()),
        "any_too_large_or_diverged": any(p["diverged"] for p in points) or any(f["too_large"] for f in facts.values()),
        "comparison": comparison,
        "chance": chance,
        "margin": margin,
        "margin_points": int(round(margin * 100)),
        "epochs": first.get("epochs"),
        "batches_per_epoch": first.get("batches_per_epoch"),
        "n_steps": (first.get("epochs") or 0) * (first.get("batches_per_epoch") or 0),
        "n_diverged": sum(1 for p in points if p["diverged"]),
        "n_points": len(points),
    }
