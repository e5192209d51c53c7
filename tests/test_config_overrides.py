"""Changing a run setting without editing config.yaml (issue 12, case 6): a nested --config value gets
the schema's types, and --configfile merges a file over config.yaml, setting by setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlp_cifar.config_types import retype
from workflow_helpers import copy_workflow, snakemake

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
SMOKE = ("--profile", "profiles/smoke")
TARGET = "results/runs/numpy_default.json"


def test_strings_become_what_the_schema_asks_for():
    config = {"defaults": {"epochs": "1", "lr": "0.1", "hidden": ["64", "32"], "batch_norm": "true",
                           "schedule": {"name": "step", "step_size": "5", "gamma": "0.5"}},
              "runs": {"mine": {"weight_decay": "5e-4"}},
              "sweep": {"lrs": ["0.01", "1"]},
              "train_threads": 2}
    retype(config, SCHEMA)
    assert config["defaults"] == {"epochs": 1, "lr": 0.1, "hidden": [64, 32], "batch_norm": True,
                                  "schedule": {"name": "step", "step_size": 5, "gamma": 0.5}}
    assert config["runs"]["mine"]["weight_decay"] == 5e-4  # through additionalProperties and $ref
    assert config["sweep"]["lrs"] == [0.01, 1]
    assert config["train_threads"] == 2


def test_strings_stay_strings_where_a_string_is_allowed_or_the_text_is_no_number():
    config = {"cifar10_archive": "123", "defaults": {"backend": "numpy", "epochs": "many", "lr": "[1", "momentum": "inf"}}
    retype(config, SCHEMA)
    assert config["cifar10_archive"] == "123"
    assert config["defaults"] == {"backend": "numpy", "epochs": "many", "lr": "[1", "momentum": "inf"}  # for the schema to reject


def run_document(work: Path) -> dict:
    return json.loads((work / TARGET).read_text())


def test_a_nested_setting_from_the_command_line_reaches_the_run(smoke_copy):
    work = smoke_copy
    snakemake(work, *SMOKE, "--config", "defaults={epochs: 1, hidden: [16]}", "--", TARGET)
    config = run_document(work)["config"]
    # Merged into the defaults setting by setting: the smoke profile's rate and batch size stay.
    assert (config["epochs"], config["hidden"], config["lr"], config["batch_size"]) == (1, [16], 0.05, 128)


def test_a_config_file_merges_over_config_yaml(smoke_copy):
    work = smoke_copy
    (work / "mine.yaml").write_text("defaults:\n  epochs: 1\n  lr: 0.02\n")
    # The smoke profile names its own config file; a --configfile on the command line replaces that
    # list, so it is named again, first (later files win).
    snakemake(work, *SMOKE, "--configfile", "profiles/smoke/experiment.yaml", "mine.yaml", "--", TARGET)
    config = run_document(work)["config"]
    assert (config["epochs"], config["lr"], config["hidden"]) == (1, 0.02, [32])


@pytest.mark.workflow
def test_a_wrong_nested_value_names_the_setting(tmp_path):
    work = copy_workflow(tmp_path / "work")
    proc = snakemake(work, *SMOKE, "-n", "--config", "defaults={epochs: many}", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "['defaults']['epochs']" in out and "'many'" in out
    assert not (work / "results").exists()
