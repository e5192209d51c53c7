"""A comparison section of config.yaml (report.sections): one run next to a baseline run.

Each entry names the two runs; their configurations are compared setting by setting, from their
own run documents, with their results and wall times (sections/run_comparison.html.j2)."""

from __future__ import annotations

from typing import Mapping

from mlp_cifar.report.errors import ReportError
from mlp_cifar.report.summary import architecture
from mlp_cifar.runs import parameter_count
from mlp_cifar.schedules import from_spec


def schedule_text(cfg: Mapping) -> str:
    """The configuration's schedule in words (mlp_cifar.schedules), with its rate and epochs filled in,
    e.g. 'cosine, 0.05 to 0 over 40 epochs (set per epoch)' or 'constant'."""
    return from_spec(cfg.get("schedule"), cfg.get("lr"), cfg.get("epochs")).text()


def augmentation_text(cfg: Mapping) -> str:
    augment = {"flip": False, "crop": 0, **(cfg.get("augment") or {})}
    parts = (["random horizontal flip (p = 1/2)"] if augment["flip"] else []) + (
        [f"random crop: zero-pad {augment['crop']} px, random 32×32 window"] if augment["crop"] else [])
    return "; ".join(parts) or "none"


def evaluation_text(cfg: Mapping) -> str:
    """Which weights are evaluated, on what: e.g. 'moving average of the weights (decay 0.999); each
    image and its mirror image' or 'the trained weights'."""
    weights = f"moving average of the weights (decay {cfg['ema']:g} per step)" if cfg.get("ema") else "the trained weights"
    return weights + ("; logits of each image and its mirror image averaged" if cfg.get("flip_tta") else "")


def input_text(cfg: Mapping) -> str:
    """What the first layer sees, e.g. '3072 pixel values' or 'coordinates along 768 principal directions'."""
    if cfg.get("pca"):
        return f"coordinates along the {cfg['pca']:,} principal directions of largest variance (of 3,072)"
    return "3,072 pixel values"


def config_rows(base: Mapping, run: Mapping) -> list[dict]:
    """(setting, baseline, run) rows from the two runs' own configurations."""

    rows = [
        ("Layers (units)", architecture),
        ("Trainable parameters", lambda c: f"{parameter_count(c):,}"),
        ("Batch normalisation", lambda c: "yes" if c.get("batch_norm") else "no"),
        ("Input whitening", lambda c: f"ZCA, ε = {c['zca']:g}, fitted on the training split" if c.get("zca")
         else "none (per-channel standardisation only)"),
        ("Network input", input_text),
        ("Augmentation", augmentation_text),
        ("Label smoothing", lambda c: f"ε = {c['label_smoothing']:g}" if c.get("label_smoothing") else "none"),
        ("Evaluated model", evaluation_text),
        ("Learning rate η", lambda c: f"{c.get('lr'):g}"),
        ("Schedule", schedule_text),
        ("Momentum μ", lambda c: f"{c.get('momentum', 0):g}"),
        ("Weight decay λ", lambda c: f"{c.get('weight_decay', 0):g}"),
        ("Batch size", lambda c: f"{c.get('batch_size')}"),
        ("Epochs", lambda c: f"{c.get('epochs')}"),
        ("Seed", lambda c: f"{c.get('seed')}"),
        ("Backend, floating point", lambda c: f"{c.get('backend')}, {c.get('dtype')}"),
    ]
    return [{"name": name, "base": f(base["config"]), "run": f(run["config"])} for name, f in rows]


def run_comparison_context(summaries: Mapping[str, Mapping], section: Mapping) -> dict:
    """Configuration, results and times of run ``section["run"]`` beside run ``section["baseline"]``
    (``summaries``: mlp_cifar.report.summary.summarise_run of every run)."""
    for key in ("run", "baseline"):
        if section[key] not in summaries:
            raise ReportError(f"report section {section['name']!r}: its {key} {section[key]!r} is not a run; "
                              f"runs: {sorted(summaries)}")
    base, run = summaries[section["baseline"]], summaries[section["run"]]

    def seconds(r):
        out = {"whiten": r.get("whiten_seconds") or 0.0, "train": r["train_seconds"],
               "eval": sum(e["eval_seconds"] for e in r["epochs"]), "total": r["total_seconds"]}
        out["budget"] = out["whiten"] + out["train"] + out["eval"]  # whitening + training + validation
        return out

    augment = run["config"].get("augment") or {}
    return {
        "name": section["name"],
        "title": section["title"],
        "intro": section.get("intro"),
        "baseline": base,
        "run": run,
        "augmented": bool(augment.get("flip") or augment.get("crop")),
        "where": "GPU (CUDA)" if run.get("device") == "cuda" else "CPU",
        "thread_kind": "BLAS" if run["backend"] == "numpy" else "PyTorch",
        "config_rows": config_rows(base, run),
        "seconds": {"base": seconds(base), "run": seconds(run)},
        "test_gain": None if run["test_accuracy"] is None or base["test_accuracy"] is None
        else run["test_accuracy"] - base["test_accuracy"],
    }
