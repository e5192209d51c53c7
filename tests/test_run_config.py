"""A run's settings are checked against the config schema's run settings, the one place their bounds
are written (mlp_cifar.training.config)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from mlp_cifar.training import BACKEND_CLASSES
from mlp_cifar.training import config as run_config
from mlp_cifar.training.config import BACKENDS, InvalidRunConfig, RunConfig, conforms, describe, run_settings_schema


def test_the_schema_defines_exactly_the_settings_of_a_run():
    assert set(run_settings_schema()) == {f.name for f in dataclasses.fields(RunConfig)}
    assert set(BACKENDS) == set(BACKEND_CLASSES)


def test_the_defaults_are_valid():
    RunConfig()


@pytest.fixture
def schema(monkeypatch):
    """A copy of the run settings' definitions that a test may edit; RunConfig then checks against it."""
    edited = copy.deepcopy(run_settings_schema())
    monkeypatch.setattr(run_config, "run_settings_schema", lambda: edited)
    return edited


def test_a_bound_edited_in_the_schema_is_the_bound_the_run_is_checked_against(schema):
    RunConfig(momentum=0.6)
    schema["momentum"]["exclusiveMaximum"] = 0.5
    with pytest.raises(InvalidRunConfig, match=r"momentum=0\.6 \(expected a number in \[0, 0\.5\)\)"):
        RunConfig(momentum=0.6)
    schema["hidden"]["items"]["maximum"] = 64
    with pytest.raises(InvalidRunConfig, match=r"hidden=\[128\] \(expected a list, each an integer in \[1, 64\]\)"):
        RunConfig()


def test_a_keyword_the_check_does_not_know_is_an_error_not_a_bound_left_out(schema):
    schema["epochs"]["multipleOf"] = 2
    with pytest.raises(ValueError, match=r"\['multipleOf'\].*not check"):
        RunConfig()


@pytest.mark.parametrize("settings, message", [
    ({"lr": 0.0}, "lr=0.0 (expected a finite number > 0)"),
    ({"lr": float("inf")}, "lr=inf (expected a finite number > 0)"),
    ({"batch_size": 64.0}, "batch_size=64.0 (expected an integer >= 1)"),
    ({"seed": True}, "seed=True (expected an integer >= 0)"),
    ({"backend": "jax"}, "backend='jax' (expected one of numpy, torch)"),
    ({"augment": {"crop": 32}}, "augment={'crop': 32} (expected null, or an object with at most flip (true or "
                                "false), crop (an integer in [0, 31]))"),
    ({"augment": {"rotate": 1}}, "augment={'rotate': 1}"),
    ({"batch_norm": 1}, "batch_norm=1 (expected true or false)"),
    ({"backend": "torch", "ema": 0.9}, "ema=0.9 (expected null, or a number in (0, 1); numpy backend only)"),
    ({"pca": 16}, "pca=16 (expected null, or an integer in [1, 3072] with zca set"),
])
def test_a_bad_setting_is_named_with_what_its_definition_asks_for(settings, message):
    with pytest.raises(InvalidRunConfig) as err:
        RunConfig(**settings)
    assert message in str(err.value)


def test_conforms_and_describe_read_the_keywords_of_the_definitions():
    zca = {"type": ["number", "null"], "exclusiveMinimum": 0}
    assert conforms(None, zca) and conforms(0.1, zca) and not conforms(0, zca) and not conforms("0.1", zca)
    assert describe(zca) == "null, or a finite number > 0"
    assert describe({"type": "integer", "maximum": 3}) == "an integer <= 3"
    threads = {"oneOf": [{"type": "integer", "minimum": 1}, {"const": "all"}]}
    assert conforms(2, threads) and conforms("all", threads) and not conforms(0, threads)
    assert describe(threads) == "an integer >= 1, or 'all'"
