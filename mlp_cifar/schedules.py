"""Learning-rate schedules shared by both backends: small objects with ``learning_rate(epoch)``.

Epochs count from 0, so every schedule starts at ``lr0``. ``epoch`` may be
fractional (e.g. ``batch / batches_per_epoch``) for schedules applied per step.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Constant:
    lr0: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0


@dataclass(frozen=True)
class TimeBased:
    """``lr0 / (1 + decay * epoch)``, the decay illustrated in the original report."""

    lr0: float
    decay: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0 / (1.0 + self.decay * epoch)


@dataclass(frozen=True)
class Step:
    """``lr0 * gamma ** floor(epoch / step_size)``: multiply by ``gamma`` every ``step_size`` epochs."""

    lr0: float
    step_size: int
    gamma: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0 * self.gamma ** math.floor(epoch / self.step_size)


@dataclass(frozen=True)
class Exponential:
    """``lr0 * gamma ** epoch``."""

    lr0: float
    gamma: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0 * self.gamma ** epoch


@dataclass(frozen=True)
class Cosine:
    """``lr_min + (lr0 - lr_min) * (1 + cos(pi * epoch / epochs)) / 2``: from lr0 down to lr_min at ``epochs``."""

    lr0: float
    epochs: int
    lr_min: float = 0.0

    def learning_rate(self, epoch: float) -> float:
        t = min(epoch, self.epochs) / self.epochs
        return self.lr_min + (self.lr0 - self.lr_min) * (1.0 + math.cos(math.pi * t)) / 2.0


SCHEDULES = {"constant": Constant, "time_based": TimeBased, "step": Step, "exponential": Exponential,
             "cosine": Cosine}


def make_schedule(lr0: float, spec: dict | None, epochs: int):
    """A schedule from a config entry such as ``{"name": "time_based", "decay": 0.5}``.

    ``None`` or ``{"name": "constant"}`` gives a constant rate; ``cosine`` defaults
    to annealing over the run's ``epochs``.
    """
    spec = dict(spec or {"name": "constant"})
    name = spec.pop("name", None)
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule name {name!r}; expected one of {', '.join(SCHEDULES)}")
    if name == "cosine":
        spec.setdefault("epochs", epochs)
    try:
        return SCHEDULES[name](lr0=lr0, **spec)
    except TypeError as err:
        raise ValueError(f"schedule {name!r}: {err}") from None


def describe(schedule) -> dict:
    """The schedule as a JSON-serialisable dict (for run documents)."""
    name = next(k for k, cls in SCHEDULES.items() if isinstance(schedule, cls))
    return {"name": name, **asdict(schedule)}


def label(spec: dict | None) -> str:
    """A short human-readable name of a schedule spec, e.g. 'time-based, k = 0.5'."""
    spec = dict(spec or {"name": "constant"})
    name = spec.get("name")
    if name == "constant":
        return "constant"
    if name == "time_based":
        return f"time-based, k = {spec['decay']:g}"
    if name == "step":
        return f"step, ×{spec['gamma']:g} every {spec['step_size']} epoch{'s' if spec['step_size'] != 1 else ''}"
    if name == "exponential":
        return f"exponential, γ = {spec['gamma']:g}"
    if name == "cosine":
        text = "cosine" + (f" to {spec['lr_min']:g}" if spec.get("lr_min") else " to 0")
        return text + (f" over {spec['epochs']} epochs" if spec.get("epochs") else "")
    raise ValueError(f"unknown schedule name {name!r}; expected one of {', '.join(SCHEDULES)}")
