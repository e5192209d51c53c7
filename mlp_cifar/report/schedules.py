"""The facts the schedules section states, derived from ``metrics.json``: whether decaying the
learning rate beat a constant one by more than the seed-to-seed noise, and how each schedule is
called and written (from the schedule itself, mlp_cifar.schedules).

    schedules_context(metrics["schedules"], metrics["groups"]) -> rows + facts of the comparison
"""

from __future__ import annotations

from typing import Mapping, Sequence

from mlp_cifar.formatting import backend_name
from mlp_cifar.schedules import TimeBased, describe_spec


def schedules_context(schedules: Mapping | None, groups: Mapping | None = None,
                      decays: Sequence[float] = ()) -> dict | None:
    """The schedule comparison as the report shows it; None without compared schedules.

    ``groups``: ``metrics["groups"]``; the seed-to-seed sample standard deviation of the best
    validation accuracy of the schedules' backend (its default configuration) is the noise a
    difference between schedules is read against. ``decays``: the k of the illustration, whose
    last-epoch rates the text quotes.

    Each row has the schedule's ``label``, ``formula`` and ``parameters`` (TeX) from
    ``mlp_cifar.schedules.describe_spec``, and ``last_lr_text``; ``facts`` holds the comparison with
    the constant rate, with the counts and comparisons the discussion's sentences turn on.
    """
    runs = list((schedules or {}).get("runs") or [])
    if not runs:
        return None
    rows = []
    for r in runs:
        about = describe_spec(r["spec"], r["lr0"], len(r["lrs"]) or None)
        last_lr = r["lrs"][-1] if r["lrs"] else None
        rows.append({**r, "label": about["label"], "tex": about["formula"], "parameters": about["parameters"],
                     "last_lr": last_lr, "last_lr_text": "—" if last_lr is None else f"{last_lr:.4g}"})
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
    # best_decayed (None without both a constant and a decayed schedule) opens the discussion
    facts: dict = {"best": best, "constant": constant, "noise_std": std, "n_seeds": n_seeds, "best_decayed": None}
    if constant and decayed:
        top = max(decayed, key=lambda r: r["best_val_accuracy"])
        gain = top["best_val_accuracy"] - constant["best_val_accuracy"]
        n_decayed = len(decayed)
        n_better = sum(r["best_val_accuracy"] > constant["best_val_accuracy"] for r in decayed)
        n_lower_loss = sum(r["final_train_loss"] is not None and constant["final_train_loss"] is not None
                           and r["final_train_loss"] < constant["final_train_loss"] for r in decayed)
        n_steadier = sum(r["late_val_change"] is not None and constant["late_val_change"] is not None
                         and r["late_val_change"] < constant["late_val_change"] for r in decayed)
        loss_range = (min(r["final_train_loss"] for r in decayed), max(r["final_train_loss"] for r in decayed))
        changes = [r["late_val_change"] for r in decayed if r["late_val_change"] is not None]
        change_range = (min(changes, default=None), max(changes, default=None))
        facts.update({
            "best_decayed": top,
            "gain": gain,
            "gain_positive": gain > 0,
            "gain_exceeds_noise": None if std is None else gain > 2 * std,
            "n_decayed": n_decayed,
            "several_decayed": n_decayed > 1,
            "n_decayed_better": n_better,
            "all_decayed_better": n_better == n_decayed,
            "n_decayed_lower_loss": n_lower_loss,
            "all_decayed_lower_loss": n_lower_loss == n_decayed,
            "decayed_loss_range": loss_range,
            "decayed_loss_one_value": loss_range[0] == loss_range[1],
            "n_decayed_steadier": n_steadier,
            "all_decayed_steadier": n_steadier == n_decayed,
            "decayed_change_range": change_range,
            "decayed_change_one_value": change_range[0] == change_range[1],
            # the steadiness can be compared: the constant rate and some decayed schedule have a late change
            "change_comparable": constant["late_val_change"] is not None and change_range[0] is not None,
        })
    lr0, epochs = rows[0]["lr0"], len(rows[0]["lrs"])
    # The illustration's time-based decays at the last epoch: lr0 / factor.
    illustration = []
    for k in decays if epochs else ():
        last_lr = TimeBased(lr0, k).learning_rate(epochs - 1)
        illustration.append({"k": k, "k_text": f"{k:g}", "last_lr": last_lr, "factor": lr0 / last_lr,
                             "factor_text": f"{lr0 / last_lr:g}"})
    return {"rows": rows, "n_schedules": len(rows), "facts": facts, "backend": backend,
            "backend_name": backend_name(backend), "lr0": lr0, "epochs": epochs, "illustration": illustration}
