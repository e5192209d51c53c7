"""The settings of one training run (`RunConfig`) and their check."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mlp_cifar.augment import SIDE
from mlp_cifar.data.archive import PIXELS
from mlp_cifar.schedules import make_schedule

BACKENDS = ("numpy", "torch")
DTYPES = ("float32", "float64")
DEVICES = ("auto", "cpu", "cuda")  # torch only; the numpy backend always runs on the CPU


class InvalidRunConfig(ValueError):
    """Run settings out of range: ``expected`` maps each bad field to what it should be."""

    def __init__(self, expected: dict[str, str], values: dict):
        self.expected, self.values = expected, values
        super().__init__("invalid run configuration: " + ", ".join(
            f"{k}={values[k]!r} (expected {what})" for k, what in expected.items()))


@dataclass
class RunConfig:
    """One training run. Defaults are the assignment's."""

    backend: str = "numpy"
    hidden: list[int] = field(default_factory=lambda: [128])
    batch_norm: bool = False
    lr: float = 0.1
    batch_size: int = 128
    epochs: int = 10
    momentum: float = 0.0
    weight_decay: float = 0.0
    seed: int = 42
    dtype: str = "float32"
    device: str = "auto"  # torch: "auto" is CUDA when available, else the CPU
    schedule: dict | None = None  # learning rate per epoch, see mlp_cifar.schedules; None: constant lr
    threads: int | None = None  # BLAS / torch threads; None leaves the library default
    augment: dict | None = None  # {"flip": bool, "crop": int}: random flips / crops (see mlp_cifar.augment); None: off
    zca: float | None = None  # ZCA whitening with this epsilon, fitted on the training split; None: off
    # With zca: the network sees each (augmented) whitened image's coordinates along the training split's
    # `pca` principal directions of largest variance, a fixed projection; None: all 3072 pixels.
    pca: int | None = None
    label_smoothing: float = 0.0  # training targets (1 - e) onehot + e / 10; validation and test losses stay plain
    ema: float | None = None  # numpy: evaluate an exponential moving average of the weights, this decay per step
    flip_tta: bool = False  # evaluate each image and its mirror image, averaging their logits

    def __post_init__(self):
        # field -> (valid?, what is expected); the same bounds as the config schema's run settings
        checks = {
            "backend": (self.backend in BACKENDS, f"one of {', '.join(BACKENDS)}"),
            "hidden": (all(isinstance(h, int) and h > 0 for h in self.hidden), "positive layer sizes"),
            "lr": (self.lr > 0 and math.isfinite(self.lr), "a finite number > 0"),
            "batch_size": (isinstance(self.batch_size, int) and self.batch_size > 0, "an integer >= 1"),
            "epochs": (isinstance(self.epochs, int) and self.epochs > 0, "an integer >= 1"),
            "momentum": (0 <= self.momentum < 1, "a number in [0, 1)"),
            "seed": (type(self.seed) is int and self.seed >= 0, "an integer >= 0"),
            "weight_decay": (self.weight_decay >= 0, "a number >= 0"),
            "dtype": (self.dtype in DTYPES, f"one of {', '.join(DTYPES)}"),
            "device": (self.device in DEVICES, f"one of {', '.join(DEVICES)}"),
            "augment": (_valid_augment(self.augment), f"flip true or false, crop 0..{SIDE - 1}"),
            "zca": (self.zca is None or (isinstance(self.zca, (int, float)) and not isinstance(self.zca, bool)
                                         and 0 < self.zca < math.inf), "a finite epsilon > 0"),
            "pca": (self.pca is None or (type(self.pca) is int and 1 <= self.pca <= PIXELS and bool(self.zca)),
                    f"null, or an integer 1..{PIXELS} with zca set (the directions are the whitening's)"),
            "label_smoothing": (0 <= self.label_smoothing < 1, "a number in [0, 1)"),
            "ema": (self.ema is None or (0 < self.ema < 1 and self.backend == "numpy"),
                    "a decay in (0, 1), numpy backend only"),
            "flip_tta": (isinstance(self.flip_tta, bool), "true or false"),
        }
        bad = {k: expected for k, (ok, expected) in checks.items() if not ok}
        if bad:
            raise InvalidRunConfig(bad, {k: getattr(self, k) for k in bad})
        make_schedule(self.lr, self.schedule, self.epochs)  # raises ValueError naming a bad schedule

    def augmentation(self) -> dict:
        """``augment`` with its defaults filled in: {"flip": bool, "crop": padding in pixels}."""
        return {"flip": False, "crop": 0, **(self.augment or {})}


def _valid_augment(augment) -> bool:
    """None, or a dict with at most the keys flip (bool) and crop (padding, 0 to 31 pixels)."""
    if augment is None:
        return True
    return (isinstance(augment, dict) and set(augment) <= {"flip", "crop"}
            and isinstance(augment.get("flip", False), bool)
            and type(augment.get("crop", 0)) is int and 0 <= augment.get("crop", 0) < SIDE)
