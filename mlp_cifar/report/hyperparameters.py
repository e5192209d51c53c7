"""The setup section: the main run's hyperparameters, from its own configuration."""

from __future__ import annotations

from typing import Mapping

from mlp_cifar.report.summary import architecture


def hyperparameter_rows(run: Mapping) -> list[dict]:
    """(parameter, value, note) rows for the setup table, from the run's own config."""
    cfg, data = run["config"], run["data"]
    hidden = cfg.get("hidden", [])
    lrs = run["learning_rates"]
    if len(lrs) == 1:
        lr = f"{lrs[0]:g}, constant"
    elif lrs:
        lr = f"{cfg.get('lr'):g} (per-epoch schedule, {min(lrs):g} to {max(lrs):g})"
    else:
        lr = f"{cfg.get('lr'):g}"
    bs = cfg.get("batch_size")
    rows = [
        ("Backend", cfg.get("backend"), "NumPy: hand-written forward and backward passes"
         if cfg.get("backend") == "numpy" else ""),
        ("Layers (units)", architecture(cfg), "fully connected; " + (
            f"ReLU after each of the {len(hidden)} hidden layer{'s' if len(hidden) != 1 else ''}" if hidden
            else "no hidden layer (multinomial logistic regression)")),
        ("Batch normalisation", "yes" if cfg.get("batch_norm") else "no",
         "before each ReLU" if cfg.get("batch_norm") else ""),
        ("Initialisation", "Kaiming normal", "weights N(0, 2/fan-in) after a ReLU, N(0, 1/fan-in) on the pixels; "
         "biases 0"),
        ("Optimiser", "SGD", "mini-batch stochastic gradient descent"),
        ("Learning rate η", lr, ""),
        ("Momentum μ", f"{cfg.get('momentum', 0):g}", "0 is plain SGD"),
        ("Weight decay λ", f"{cfg.get('weight_decay', 0):g}", "L2 penalty, added to the gradient"),
        ("Batch size B", bs, f"{run['batches_per_epoch']} batches per epoch; the last incomplete batch is dropped"
         if run["batches_per_epoch"] else ""),
        ("Epochs", cfg.get("epochs"), "the model with the best validation accuracy is kept"),
        ("Seed", cfg.get("seed"), "initialisation and batch order"),
        ("Split seed", data.get("split_seed", "—"), "train/validation split"),
        ("Floating point", cfg.get("dtype"), ""),
    ]
    return [{"name": n, "value": "—" if v is None else v, "note": note} for n, v, note in rows]
