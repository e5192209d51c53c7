"""The settings of one training run (`RunConfig`) and their check.

The bounds of the settings are written once, in the config schema's run settings
(``$defs/run_settings`` of workflow/schemas/config.schema.yaml): the workflow checks config.yaml
against them before any job runs, and `RunConfig` checks each setting of a run, from the workflow or
the command line, against the same definitions, read from that file, and says per bad setting what
its definition asks for. Only what one setting's definition cannot say is written here: pca needs
zca, ema is for the NumPy backend, and a schedule is checked by mlp_cifar.schedules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from mlp_cifar.schedules import make_schedule

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
# Checked by others: a schedule by mlp_cifar.schedules (its messages name the schedule's own keys);
# threads is the workflow's job setting ("all" or a number), resolved to a number before a run starts.
NOT_FROM_SCHEMA = ("schedule", "threads")


@lru_cache(maxsize=None)
def run_settings_schema() -> dict[str, dict]:
    """The definition of each run setting: ``properties`` of the config schema's ``$defs/run_settings``."""
    try:
        # LibYAML's loader where PyYAML has it (a training job reads this file at its start)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        schema = yaml.load(SCHEMA_FILE.read_text(encoding="utf-8"), Loader=loader)
    except OSError as err:
        raise RuntimeError(f"the bounds of the run settings are read from {SCHEMA_FILE}, which cannot be read "
                           f"({err.strerror}); use the package from its checkout (pip install -e .)") from None
    return schema["$defs"]["run_settings"]["properties"]


BACKENDS = tuple(run_settings_schema()["backend"]["enum"])
DTYPES = tuple(run_settings_schema()["dtype"]["enum"])
DEVICES = tuple(run_settings_schema()["device"]["enum"])  # torch only; the numpy backend always runs on the CPU

# The JSON Schema keywords the run settings' definitions use, and so the ones `conforms` checks; any
# other keyword there is an error, not a bound silently left unchecked.
KEYWORDS = {"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "items",
            "properties", "additionalProperties", "required", "oneOf", "description"}
PYTHON_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: type(v) is int,  # not a bool, not 2.0
    "number": lambda v: type(v) in (int, float) and math.isfinite(v),  # JSON numbers are finite
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, (list, tuple)),
    "object": lambda v: isinstance(v, dict),
}


def _types(schema: dict) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _bounds(schema: dict) -> tuple:
    return (schema.get("minimum"), schema.get("exclusiveMinimum"), schema.get("maximum"),
            schema.get("exclusiveMaximum"))


def conforms(value, schema: dict) -> bool:
    """Whether ``value`` meets ``schema``, a definition written with `KEYWORDS` only."""
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ValueError(f"{SCHEMA_FILE}: a run setting's definition uses {sorted(unknown)}, which "
                         "mlp_cifar.training.config does not check; add it to `conforms` and `describe`")
    if "oneOf" in schema and sum(conforms(value, branch) for branch in schema["oneOf"]) != 1:
        return False
    types = _types(schema)
    if types and not any(PYTHON_TYPES[t](value) for t in types):
        return False
    if "enum" in schema and not any(type(value) is type(e) and value == e for e in schema["enum"]):
        return False
    if "const" in schema and not (type(value) is type(schema["const"]) and value == schema["const"]):
        return False
    if PYTHON_TYPES["number"](value) and not isinstance(value, bool):
        low, low_open, high, high_open = _bounds(schema)
        if ((low is not None and value < low) or (low_open is not None and value <= low_open)
                or (high is not None and value > high) or (high_open is not None and value >= high_open)):
            return False
    if PYTHON_TYPES["array"](value) and "items" in schema:
        if not all(conforms(item, schema["items"]) for item in value):
            return False
    if PYTHON_TYPES["object"](value):
        properties = schema.get("properties", {})
        if any(key not in value for key in schema.get("required", [])):
            return False
        if schema.get("additionalProperties") is False and set(value) - set(properties):
            return False
        if not all(conforms(value[key], sub) for key, sub in properties.items() if key in value):
            return False
    return True


def _interval(schema: dict) -> str:
    low, low_open, high, high_open = _bounds(schema)
    lower = (f"[{low:g}", low) if low is not None else (f"({low_open:g}", low_open) if low_open is not None else None
    upper = (f"{high:g}]", high) if high is not None else (f"{high_open:g})", high_open) \
        if high_open is not None else None
    if lower and upper:
        return f" in {lower[0]}, {upper[0]}"
    if lower:
        return f" {'>=' if low is not None else '>'} {lower[1]:g}"
    if upper:
        return f" {'<=' if high is not None else '<'} {upper[1]:g}"
    return ""


def describe(schema: dict) -> str:
    """What ``schema`` asks for, in words: ``a finite number > 0``, ``a number in [0, 1)``, ``one of
    numpy, torch``, ``null, or an integer in [1, 3072]``."""
    if "oneOf" in schema:
        return ", or ".join(describe(branch) for branch in schema["oneOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(e) for e in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    words = []
    for kind in sorted(_types(schema), key=lambda t: t != "null"):  # null first: "null, or ..."
        if kind == "number":
            interval = _interval(schema)
            bounded = " in " in interval
            words.append(f"{'a' if bounded else 'a finite'} number{interval}")
        elif kind == "integer":
            words.append(f"an integer{_interval(schema)}")
        elif kind == "boolean":
            words.append("true or false")
        elif kind == "array":
            words.append("a list" + (f", each {describe(schema['items'])}" if "items" in schema else ""))
        elif kind == "object":
            keys = [f"{key} ({describe(sub)})" for key, sub in schema.get("properties", {}).items()]
            words.append("an object" + (f" with at most {', '.join(keys)}" if keys else ""))
        else:
            words.append(kind)
    return ", or ".join(words)


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
        definitions = run_settings_schema()
        expected = {name: describe(definitions[name]) for name in definitions
                    if name not in NOT_FROM_SCHEMA and not conforms(getattr(self, name), definitions[name])}
        # What one setting's definition cannot say: the projection's directions are the whitening's,
        # and only the NumPy backend keeps a moving average.
        if self.pca is not None and not self.zca:
            expected["pca"] = expected.get("pca", describe(definitions["pca"])) + \
                " with zca set (the directions are the whitening's)"
        if self.ema is not None and self.backend != "numpy":
            expected["ema"] = expected.get("ema", describe(definitions["ema"])) + "; numpy backend only"
        if expected:
            raise InvalidRunConfig(expected, {name: getattr(self, name) for name in expected})
        make_schedule(self.lr, self.schedule, self.epochs)  # raises ValueError naming a bad schedule

    def augmentation(self) -> dict:
        """``augment`` with its defaults filled in: {"flip": bool, "crop": padding in pixels}."""
        return {"flip": False, "crop": 0, **(self.augment or {})}
