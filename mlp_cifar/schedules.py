"""Learning-rate schedules shared by both backends: small objects with ``learning_rate(epoch)``.

Epochs count from 0, so every schedule starts at ``lr0``. ``epoch`` may be
fractional (e.g. ``batch / batches_per_epoch``) for schedules applied per step.

Each schedule also describes itself, so that no other module knows what a schedule is called or
how it is written: ``label()`` (short, for tables and legends: 'time-based, k = 0.5'),
``formula`` (TeX, in the symbols of the report: t the epoch, η_0 the configured rate),
``parameters()`` (its parameters in those symbols, TeX: 'k = 0.5') and ``text()`` (in words,
for a configuration table: 'time based, decay 0.5'). A schedule built from a spec alone,
``from_spec({"name": "step", "step_size": 3, "gamma": 0.5})``, has ``lr0 = None`` (and a cosine
without ``epochs`` has ``epochs = None``): it can describe itself, but not give rates.

Pure Python (standard library only): the workflow imports it while it reads the config.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import ClassVar, Mapping


class _Schedule:
    """What every schedule says about itself; the dataclasses below fill in the details."""

    name: ClassVar[str]  # the config's "name"
    formula: ClassVar[str]  # TeX

    def label(self) -> str:
        raise NotImplementedError

    def parameters(self) -> str:
        """The parameters in the formula's symbols, TeX; '' without any."""
        return ""

    def text(self) -> str:
        """In words, every parameter but lr0 by its config name: 'step, step size 3, gamma 0.5'."""
        params = ", ".join(f"{f.name.replace('_', ' ')} {getattr(self, f.name):g}" for f in fields(self)
                           if f.name != "lr0")
        return self.name.replace("_", " ") + (f", {params}" if params else "")


@dataclass(frozen=True)
class Constant(_Schedule):
    name: ClassVar[str] = "constant"
    formula: ClassVar[str] = r"\eta_t = \eta_0"

    lr0: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0

    def label(self) -> str:
        return "constant"


@dataclass(frozen=True)
class TimeBased(_Schedule):
    """``lr0 / (1 + decay * epoch)``, the decay illustrated in the original report."""

    name: ClassVar[str] = "time_based"
    formula: ClassVar[str] = r"\eta_t = \frac{\eta_0}{1 + k t}"

    lr0: float
    decay: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0 / (1.0 + self.decay * epoch)

    def label(self) -> str:
        return f"time-based, k = {self.decay:g}"

    def parameters(self) -> str:
        return f"k = {self.decay:g}"


@dataclass(frozen=True)
class Step(_Schedule):
    """``lr0 * gamma ** floor(epoch / step_size)``: multiply by ``gamma`` every ``step_size`` epochs."""

    name: ClassVar[str] = "step"
    formula: ClassVar[str] = r"\eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}"

    lr0: float
    step_size: int
    gamma: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0 * self.gamma ** math.floor(epoch / self.step_size)

    def label(self) -> str:
        return f"step, ×{self.gamma:g} every {self.step_size} epoch{'s' if self.step_size != 1 else ''}"

    def parameters(self) -> str:
        return rf"s = {self.step_size},\ \gamma = {self.gamma:g}"


@dataclass(frozen=True)
class Exponential(_Schedule):
    """``lr0 * gamma ** epoch``."""

    name: ClassVar[str] = "exponential"
    formula: ClassVar[str] = r"\eta_t = \eta_0 \, \gamma^{t}"

    lr0: float
    gamma: float

    def learning_rate(self, epoch: float) -> float:
        return self.lr0 * self.gamma ** epoch

    def label(self) -> str:
        return f"exponential, γ = {self.gamma:g}"

    def parameters(self) -> str:
        return rf"\gamma = {self.gamma:g}"


@dataclass(frozen=True)
class Cosine(_Schedule):
    """``lr_min + (lr0 - lr_min) * (1 + cos(pi * epoch / epochs)) / 2``: from lr0 down to lr_min at ``epochs``.

    ``epochs`` defaults to the run's epochs (``from_spec``)."""

    name: ClassVar[str] = "cosine"
    formula: ClassVar[str] = r"\eta_t = \eta_{\min} + (\eta_0 - \eta_{\min}) \, \frac{1 + \cos(\pi t / T)}{2}"

    lr0: float
    epochs: int
    lr_min: float = 0.0

    def learning_rate(self, epoch: float) -> float:
        t = min(epoch, self.epochs) / self.epochs
        return self.lr_min + (self.lr0 - self.lr_min) * (1.0 + math.cos(math.pi * t)) / 2.0

    def label(self) -> str:
        text = "cosine" + (f" to {self.lr_min:g}" if self.lr_min else " to 0")
        return text + (f" over {self.epochs} epochs" if self.epochs else "")

    def parameters(self) -> str:
        return rf"T = {self.epochs},\ \eta_{{\min}} = {self.lr_min:g}"

    def text(self) -> str:
        return f"cosine, {self.lr0:g} to {self.lr_min:g} over {self.epochs} epochs (set per epoch)"


SCHEDULES = {cls.name: cls for cls in (Constant, TimeBased, Step, Exponential, Cosine)}


def from_spec(spec: Mapping | None, lr0: float | None = None, epochs: int | None = None):
    """The schedule of a config entry such as ``{"name": "time_based", "decay": 0.5}`` (``None``: constant).

    A schedule with an ``epochs`` parameter (cosine) that the spec leaves out runs over ``epochs``,
    the run's. ``lr0`` and ``epochs`` may be None for a schedule that only describes itself."""
    spec = dict(spec or {"name": "constant"})
    name = spec.pop("name", None)
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule name {name!r}; expected one of {', '.join(SCHEDULES)}")
    cls = SCHEDULES[name]
    if "epochs" in {f.name for f in fields(cls)}:
        spec.setdefault("epochs", epochs)
    try:
        return cls(lr0=lr0, **spec)
    except TypeError as err:
        raise ValueError(f"schedule {name!r}: {err}") from None


def make_schedule(lr0: float, spec: dict | None, epochs: int):
    """A schedule from a config entry such as ``{"name": "time_based", "decay": 0.5}``.

    ``None`` or ``{"name": "constant"}`` gives a constant rate; ``cosine`` defaults
    to annealing over the run's ``epochs``.
    """
    return from_spec(spec, lr0, epochs)


def describe(schedule) -> dict:
    """The schedule as a JSON-serialisable dict (for run documents)."""
    return {"name": schedule.name, **asdict(schedule)}


def label(spec: Mapping | None) -> str:
    """A short human-readable name of a schedule spec as configured, e.g. 'time-based, k = 0.5'
    (a cosine without ``epochs`` does not say over how many)."""
    return from_spec(spec).label()


def describe_spec(spec: Mapping | None, lr0: float | None = None, epochs: int | None = None) -> dict:
    """What a reader needs of a schedule spec: ``label`` (as configured, see ``label``), ``formula``
    (TeX), and, with the run's ``lr0`` and ``epochs`` filled in, ``parameters`` (TeX, '' without any)
    and ``text`` (in words)."""
    schedule = from_spec(spec, lr0, epochs)
    return {"name": schedule.name, "label": label(spec), "formula": schedule.formula,
            "parameters": schedule.parameters(), "text": schedule.text()}
