"""The stronger configuration next to the assignment's default run, for the report's section on it."""

from __future__ import annotations

from typing import Mapping

STRONG_RUN = "strong"


def n_parameters(cfg: Mapping, n_inputs: int = 3072, n_classes: int = 10) -> int:
    """Trainable parameters: weights and biases of every layer, and batch norm's scale and shift."""
    sizes = [n_inputs, *cfg.get("hidden", []), n_classes]
    linear = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    return linear + (2 * sum(cfg.get("hidden", [])) if cfg.get("batch_norm") else 0)


def schedule_text(cfg: Mapping) -> str:
    """e.g. 'cosine, 0.05 to 0 over 40 epochs (per epoch)' or 'constant'."""
    spec = dict(cfg.get("schedule") or {"name": "constant"})
    name = spec.pop("name")
    if name == "constant":
        return "constant"
    if name == "cosine":
        return (f"cosine, {cfg.get('lr'):g} to {spec.get('lr_min', 0):g} over "
                f"{spec.get('epochs', cfg.get('epochs'))} epochs (set per epoch)")
    return name.replace("_", " ") + ", " + ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in spec.items())


def augmentation_text(cfg: Mapping) -> str:
    augment = {"flip": False, "crop": 0, **(cfg.get("augment") or {})}
    parts = (["random horizontal flip (p = 1/2)"] if augment["flip"] else []) + (
        [f"random crop: zero-pad {augment['crop']} px, random 32×32 window"] if augment["crop"] else [])
    return "; ".join(parts) or "none"


def config_rows(base: Mapping, strong: Mapping) -> list[dict]:
    """(setting, default run, strong run) rows from the two runs' own configurations."""

    def hidden(cfg):
        return " → ".join(str(n) for n in [3072, *cfg.get("hidden", []), 10])

    rows = [
        ("Layers (units)", hidden),
        ("Trainable parameters", lambda c: f"{n_parameters(c):,}"),
        ("Batch normalisation", lambda c: "yes" if c.get("batch_norm") else "no"),
        ("Input whitening", lambda c: f"ZCA, ε = {c['zca']:g}, fitted on the training split" if c.get("zca")
         else "none (per-channel standardisation only)"),
        ("Augmentation", augmentation_text),
        ("Learning rate η", lambda c: f"{c.get('lr'):g}"),
        ("Schedule", schedule_text),
        ("Momentum μ", lambda c: f"{c.get('momentum', 0):g}"),
        ("Weight decay λ", lambda c: f"{c.get('weight_decay', 0):g}"),
        ("Batch size", lambda c: f"{c.get('batch_size')}"),
        ("Epochs", lambda c: f"{c.get('epochs')}"),
        ("Seed", lambda c: f"{c.get('seed')}"),
        ("Backend, floating point", lambda c: f"{c.get('backend')}, {c.get('dtype')}"),
    ]
    return [{"name": name, "base": f(base["config"]), "strong": f(strong["config"])} for name, f in rows]


def strong_context(summaries: Mapping[str, Mapping], baseline: str, strong: str = STRONG_RUN) -> dict | None:
    """Configuration and results of run ``strong`` beside run ``baseline``; None without both."""
    if strong not in summaries or baseline not in summaries:
        return None
    base, run = summaries[baseline], summaries[strong]

    def seconds(r):
        out = {"whiten": r.get("whiten_seconds") or 0.0, "train": r["train_seconds"],
               "eval": sum(e["eval_seconds"] for e in r["epochs"]), "total": r["total_seconds"]}
        out["budget"] = out["whiten"] + out["train"] + out["eval"]  # what the 10-minute budget counts
        return out

    return {
        "baseline": base,
        "run": run,
        "config_rows": config_rows(base, run),
        "seconds": {"base": seconds(base), "strong": seconds(run)},
        "test_gain": None if run["test_accuracy"] is None or base["test_accuracy"] is None
        else run["test_accuracy"] - base["test_accuracy"],
    }
