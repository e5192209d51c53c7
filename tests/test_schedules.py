import ast
import dataclasses
import math
import sys
from pathlib import Path

import pytest
import yaml

from mlp_cifar import schedules
from mlp_cifar.schedules import (SCHEDULES, Constant, Cosine, Exponential, Step, TimeBased, describe, describe_spec,
                                 from_spec, label, make_schedule)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("lr0,decay", [(0.1, 0.5), (1.0, 0.1), (0.05, 2.0)])
def test_time_based_decay_matches_its_formula(lr0, decay):
    s = TimeBased(lr0, decay)
    for epoch in (0, 1, 2, 5, 9, 2.5):
        assert s.learning_rate(epoch) == pytest.approx(lr0 / (1 + decay * epoch), rel=1e-15)
    # Hand-computed values for lr0 = 0.1, decay = 0.5: 0.1, 0.0666..., 0.05, 0.0285714...
    if (lr0, decay) == (0.1, 0.5):
        assert [round(s.learning_rate(e), 10) for e in range(4)] == [0.1, 0.0666666667, 0.05, 0.04]


def test_constant():
    assert [Constant(0.3).learning_rate(e) for e in range(5)] == [0.3] * 5


def test_step():
    s = Step(0.1, step_size=3, gamma=0.5)
    assert [s.learning_rate(e) for e in range(7)] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_exponential():
    s = Exponential(0.2, gamma=0.9)
    for e in range(6):
        assert s.learning_rate(e) == pytest.approx(0.2 * 0.9 ** e)


def test_cosine_from_lr0_to_lr_min():
    s = Cosine(0.1, epochs=10, lr_min=0.001)
    assert s.learning_rate(0) == pytest.approx(0.1)
    assert s.learning_rate(5) == pytest.approx(0.001 + 0.099 / 2)
    assert s.learning_rate(10) == pytest.approx(0.001)
    assert s.learning_rate(12) == pytest.approx(0.001)  # stays at the floor after the horizon
    assert s.learning_rate(2.5) == pytest.approx(0.001 + 0.099 * (1 + math.cos(math.pi / 4)) / 2)


def test_make_schedule_from_config_entries():
    assert make_schedule(0.1, None, 10) == Constant(0.1)
    assert make_schedule(0.1, {"name": "time_based", "decay": 0.5}, 10) == TimeBased(0.1, 0.5)
    assert make_schedule(0.1, {"name": "cosine"}, 7) == Cosine(0.1, epochs=7)
    assert describe(Step(0.1, 2, 0.5)) == {"name": "step", "lr0": 0.1, "step_size": 2, "gamma": 0.5}
    with pytest.raises(ValueError, match="unknown schedule name 'linear'"):
        make_schedule(0.1, {"name": "linear"}, 10)
    with pytest.raises(ValueError, match="time_based"):
        make_schedule(0.1, {"name": "time_based", "k": 0.5}, 10)


def test_trainer_follows_the_configured_schedule():
    from learnable import learnable_splits
    from mlp_cifar.training.config import RunConfig
    from mlp_cifar.training.loop import train

    cfg = RunConfig(hidden=[16], epochs=4, batch_size=128, lr=0.2, schedule={"name": "time_based", "decay": 0.5})
    doc = train(cfg, learnable_splits(n_train=512, n_val=128, n_test=128), progress=False)
    assert [e["lr"] for e in doc["epochs"]] == pytest.approx([0.2 / (1 + 0.5 * k) for k in range(4)])
    assert doc["config"]["schedule"] == {"name": "time_based", "decay": 0.5}
    with pytest.raises(ValueError, match="schedule"):
        RunConfig(schedule={"name": "step"})


# ----------------------------------------------------------------------------- what a schedule says about itself


@pytest.mark.parametrize("spec,label_,formula,parameters,text", [
    ({"name": "constant"}, "constant", r"\eta_t = \eta_0", "", "constant"),
    ({"name": "time_based", "decay": 0.5}, "time-based, k = 0.5", r"\eta_t = \frac{\eta_0}{1 + k t}", "k = 0.5",
     "time based, decay 0.5"),
    ({"name": "step", "step_size": 3, "gamma": 0.5}, "step, ×0.5 every 3 epochs",
     r"\eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}", r"s = 3,\ \gamma = 0.5", "step, step size 3, gamma 0.5"),
    ({"name": "step", "step_size": 1, "gamma": 0.9}, "step, ×0.9 every 1 epoch",
     r"\eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}", r"s = 1,\ \gamma = 0.9", "step, step size 1, gamma 0.9"),
    ({"name": "exponential", "gamma": 0.8}, "exponential, γ = 0.8", r"\eta_t = \eta_0 \, \gamma^{t}", r"\gamma = 0.8",
     "exponential, gamma 0.8"),
    ({"name": "cosine"}, "cosine to 0",
     r"\eta_t = \eta_{\min} + (\eta_0 - \eta_{\min}) \, \frac{1 + \cos(\pi t / T)}{2}",
     r"T = 40,\ \eta_{\min} = 0", "cosine, 0.05 to 0 over 40 epochs (set per epoch)"),
    ({"name": "cosine", "epochs": 5, "lr_min": 0.001}, "cosine to 0.001 over 5 epochs",
     r"\eta_t = \eta_{\min} + (\eta_0 - \eta_{\min}) \, \frac{1 + \cos(\pi t / T)}{2}",
     r"T = 5,\ \eta_{\min} = 0.001", "cosine, 0.05 to 0.001 over 5 epochs (set per epoch)"),
])
def test_schedules_describe_themselves(spec, label_, formula, parameters, text):
    """The label as configured (a cosine without epochs does not say how long); parameters and text with
    the run's rate (0.05) and epochs (40) filled in."""
    assert label(spec) == label_
    assert describe_spec(spec, 0.05, 40) == {"name": spec["name"], "label": label_, "formula": formula,
                                             "parameters": parameters, "text": text}
    schedule = make_schedule(0.05, spec, 40)
    assert (schedule.formula, schedule.parameters(), schedule.text()) == (formula, parameters, text)


def test_a_spec_alone_describes_itself_but_unknown_names_and_parameters_fail():
    assert label(None) == "constant"
    step = from_spec({"name": "step", "step_size": 3, "gamma": 0.5})  # no lr0: for its text only
    assert step == Step(None, 3, 0.5) and step.label() == "step, ×0.5 every 3 epochs"
    assert from_spec({"name": "cosine"}).epochs is None and from_spec({"name": "cosine"}, 0.1, 7).epochs == 7
    with pytest.raises(ValueError, match="unknown schedule name 'linear'"):
        label({"name": "linear"})
    with pytest.raises(ValueError, match="time_based"):
        label({"name": "time_based"})


def test_registry_names_are_the_classes_names():
    assert SCHEDULES == {"constant": Constant, "time_based": TimeBased, "step": Step, "exponential": Exponential,
                         "cosine": Cosine}
    assert all(cls.name == name for name, cls in SCHEDULES.items())
    assert describe(make_schedule(0.1, {"name": "exponential", "gamma": 0.9}, 5)) == {
        "name": "exponential", "lr0": 0.1, "gamma": 0.9}


def test_config_schema_lists_the_schedules_and_their_parameters():
    """The schema's schedule entries (workflow/schemas/config.schema.yaml) and the classes cannot drift apart:
    the same names, each with its dataclass fields but lr0 (the run's rate) as properties, required unless
    they have a default or are the run's epochs (cosine)."""
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    entries = schema["$defs"]["run_settings"]["properties"]["schedule"]["oneOf"]
    entries = [e for e in entries if e.get("type") == "object"]
    in_schema = {e["properties"]["name"]["const"]: e for e in entries}
    assert set(in_schema) == set(SCHEDULES)
    for name, entry in in_schema.items():
        fields = [f for f in dataclasses.fields(SCHEDULES[name]) if f.name != "lr0"]
        assert set(entry["properties"]) - {"name"} == {f.name for f in fields}, name
        required = {f.name for f in fields if f.default is dataclasses.MISSING and f.name != "epochs"}
        assert set(entry.get("required", [])) - {"name"} == required, name
        assert entry.get("additionalProperties") is False, name


def test_schedules_module_uses_the_standard_library_only():
    """The workflow imports mlp_cifar.schedules while it reads the config: no NumPy, nothing outside the
    standard library."""
    tree = ast.parse(Path(schedules.__file__).read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert {m.split(".")[0] for m in modules} <= set(sys.stdlib_module_names) | {"__future__"}, modules
