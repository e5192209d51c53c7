"""The learning-rate sweep and the schedule comparison: run naming and expansion, metrics, the facts the
report's discussion is written from, the figures, and the sweep through Snakemake on synthetic data
(the smoke profile: three rates, one of which diverges)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from mlp_cifar.plots import schedules as schedule_plots, sweep as sweep_plots
from mlp_cifar.metrics import collect_metrics, schedule_metrics, sweep_metrics
from mlp_cifar.report.schedules import schedules_context
from mlp_cifar.report.sweep import (MARGIN, batch_norm_comparison, lr_list, setting_facts,
                                    sweep_context)
from mlp_cifar.formatting import lr_text
from mlp_cifar.runs import (cluster_resources, job_resources, number_token, schedule_run_names, schedule_runs,
                            split_sweep_run_name, sweep_jobs, sweep_run_name, sweep_runs)
from workflow_helpers import copy_workflow, planned_jobs, snakemake

SMOKE = ("--profile", "profiles/smoke")
DEFAULTS = {"backend": "numpy", "hidden": [128], "batch_norm": False, "lr": 0.1, "batch_size": 128, "epochs": 10,
            "momentum": 0.0, "weight_decay": 0.0, "seed": 42, "dtype": "float32", "device": "auto"}
ISSUE_LRS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]


# ----------------------------------------------------------------------------- names and expansion


@pytest.mark.parametrize("value,token", [(1e-6, "1em06"), (1e-5, "1em05"), (0.1, "1em01"), (1.0, "1e00"),
                                         (10.0, "1e01"), (100.0, "1e02"), (2.5e-3, "2p5em03"), (0.05, "5em02"),
                                         (0.0, "0e00"), (123456.7, "1p234567e05")])
def test_number_token(value, token):
    assert number_token(value) == token


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan])
def test_number_token_rejects_negative_and_non_finite(bad):
    with pytest.raises(ValueError):
        number_token(bad)


def test_sweep_names_are_distinct_and_match_the_run_wildcard():
    names = [sweep_run_name(lr, bn) for lr in ISSUE_LRS for bn in (False, True)]
    assert len(set(names)) == len(names) == 18
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", n) for n in names)
    assert sweep_run_name(1e-6, False) == "sweep_lr_1em06_plain"
    assert sweep_run_name(100, True) == "sweep_lr_1e02_bn"


def test_sweep_runs_override_rate_batch_norm_and_backend_only():
    runs = sweep_runs(DEFAULTS, {"backend": "torch", "lrs": [10.0, 1e-6, 0.1], "batch_norm": [False, True]})
    assert list(runs) == ["sweep_lr_1em06_plain", "sweep_lr_1em06_bn", "sweep_lr_1em01_plain", "sweep_lr_1em01_bn",
                          "sweep_lr_1e01_plain", "sweep_lr_1e01_bn"]  # by rate, whatever the order listed
    for name, settings in runs.items():
        changed = {k for k in settings if settings[k] != DEFAULTS.get(k)}
        assert changed <= {"backend", "lr", "batch_norm", "schedule"}, (name, changed)
        assert settings["backend"] == "torch" and settings["schedule"] is None
    assert runs["sweep_lr_1e01_bn"]["lr"] == 10.0 and runs["sweep_lr_1e01_bn"]["batch_norm"] is True
    # Without a backend the sweep uses that of `defaults`.
    assert sweep_runs(DEFAULTS, {"lrs": [0.1], "batch_norm": [False]})["sweep_lr_1em01_plain"]["backend"] == "numpy"


def test_sweep_names_do_not_depend_on_the_other_points():
    few = sweep_runs(DEFAULTS, {"lrs": [0.1, 1.0], "batch_norm": [False]})
    more = sweep_runs(DEFAULTS, {"lrs": [0.01, 0.1, 1.0], "batch_norm": [False]})
    assert set(more) - set(few) == {"sweep_lr_1em02_plain"}
    assert all(more[name] == settings for name, settings in few.items())


def test_each_rate_is_one_job_of_its_batch_norm_settings():
    runs = sweep_runs(DEFAULTS, {"lrs": [1e-6, 2.5e-3, 100.0], "batch_norm": [False, True]})
    assert sweep_jobs(list(runs)) == {"1em06": ["sweep_lr_1em06_plain", "sweep_lr_1em06_bn"],
                                      "2p5em03": ["sweep_lr_2p5em03_plain", "sweep_lr_2p5em03_bn"],
                                      "1e02": ["sweep_lr_1e02_plain", "sweep_lr_1e02_bn"]}
    assert sweep_jobs(["sweep_lr_1em01_bn"]) == {"1em01": ["sweep_lr_1em01_bn"]}
    for lr, bn in ((2.5e-3, False), (100.0, True)):
        assert split_sweep_run_name(sweep_run_name(lr, bn)) == (number_token(lr), "bn" if bn else "plain")
    with pytest.raises(ValueError, match="not a sweep run"):
        sweep_jobs(["numpy_default"])
    # The job asks a cluster for its runs one after another: the most memory, the sum of the wall times.
    plain, bn = ({**DEFAULTS, "batch_norm": b, "epochs": 400} for b in (False, True))
    both = job_resources([plain, bn])
    assert both["runtime"] == cluster_resources(plain)["runtime"] + cluster_resources(bn)["runtime"]
    assert both["mem_mb"] == max(cluster_resources(plain)["mem_mb"], cluster_resources(bn)["mem_mb"])
    assert both["gpu"] == 0 and job_resources([{**plain, "backend": "torch", "device": "cuda"}, bn])["gpu"] == 1


def test_sweep_rates_equal_to_seven_digits_clash():
    with pytest.raises(ValueError, match="same run name"):
        sweep_runs(DEFAULTS, {"lrs": [0.1, 0.1 + 1e-12], "batch_norm": [False]})


def test_schedule_run_names():
    specs = [{"name": "constant"}, {"name": "time_based", "decay": 0.5}, {"name": "cosine"}]
    assert schedule_run_names(specs) == ["schedule_constant", "schedule_time_based", "schedule_cosine"]
    twice = [{"name": "time_based", "decay": 0.5}, {"name": "time_based", "decay": 2.0}, {"name": "step",
             "step_size": 3, "gamma": 0.5}]
    assert schedule_run_names(twice) == ["schedule_time_based_decay5em01", "schedule_time_based_decay2e00",
                                         "schedule_step"]
    with pytest.raises(ValueError, match="more than once"):
        schedule_run_names([{"name": "cosine"}, {"name": "cosine"}])


def test_schedule_runs_are_defaults_with_a_schedule():
    runs = schedule_runs(DEFAULTS, {"compare": [{"name": "constant"}, {"name": "step", "step_size": 3,
                                                                        "gamma": 0.5}]})
    assert runs == {"schedule_constant": {**DEFAULTS, "schedule": {"name": "constant"}},
                    "schedule_step": {**DEFAULTS, "schedule": {"name": "step", "step_size": 3, "gamma": 0.5}}}
    assert schedule_runs(DEFAULTS, {"backend": "torch", "compare": [{"name": "cosine"}]})[
        "schedule_cosine"]["backend"] == "torch"


def test_lr_text():
    assert [lr_text(x) for x in (1e-6, 1e-3, 0.01, 0.1, 1.0, 10.0, 100.0, 1e3, 0.05)] == \
        ["10⁻⁶", "10⁻³", "0.01", "0.1", "1", "10", "100", "10³", "0.05"]


# ----------------------------------------------------------------------------- run documents, metrics


def fake_doc(lr, batch_norm, val_accs, diverged_at=None, epochs=3, bpe=4, backend="torch", schedule=None,
             test=None):
    """A run document of the trainer's shape: ``val_accs`` per completed epoch; ``diverged_at`` (epoch, batch)."""
    losses, epoch_rows = [], []
    for e, acc in enumerate(val_accs):
        losses += [2.3 / (1 + e + b / bpe) for b in range(bpe)]
        epoch_rows.append({"epoch": e + 1, "lr": lr, "train_loss": 2.3 / (1 + e), "train_accuracy": acc,
                           "val_loss": 2.0 / (1 + e), "val_accuracy": acc, "train_seconds": 1.0,
                           "eval_seconds": 0.1})
    if diverged_at:
        losses += [5.0 * 10 ** b for b in range(diverged_at[1] - 1)] + [None]
    best = max(range(len(val_accs)), key=lambda i: val_accs[i]) if val_accs else None
    return {"config": {**DEFAULTS, "backend": backend, "lr": lr, "batch_norm": batch_norm, "epochs": epochs,
                       "schedule": schedule},
            "seed": 42, "batch_losses": losses, "batches_per_epoch": bpe, "epochs": epoch_rows,
            "best_epoch": None if best is None else best + 1,
            "best_val_accuracy": None if best is None else val_accs[best],
            "test_accuracy": None if best is None else (test if test is not None else val_accs[best] - 0.01),
            "diverged": diverged_at is not None,
            "diverged_at": {"epoch": diverged_at[0], "batch": diverged_at[1]} if diverged_at else None,
            "train_seconds": 1.0 * len(val_accs), "threads": 1, "device": "cpu"}


@pytest.fixture()
def sweep_docs():
    return {
        "sweep_lr_1em06_plain": fake_doc(1e-6, False, [0.10, 0.11, 0.12]),
        "sweep_lr_1em01_plain": fake_doc(0.1, False, [0.40, 0.45, 0.48]),
        "sweep_lr_1e00_plain": fake_doc(1.0, False, [0.30], diverged_at=(2, 3)),
        "sweep_lr_1e02_plain": fake_doc(100.0, False, [], diverged_at=(1, 2)),
        "sweep_lr_1em06_bn": fake_doc(1e-6, True, [0.12, 0.14, 0.15]),
        "sweep_lr_1em01_bn": fake_doc(0.1, True, [0.42, 0.47, 0.50]),
        "sweep_lr_1e00_bn": fake_doc(1.0, True, [0.40, 0.46, 0.47]),
        "sweep_lr_1e02_bn": fake_doc(100.0, True, [0.10, 0.11, 0.10]),
    }


def test_sweep_metrics_table(sweep_docs):
    metrics = collect_metrics(sweep_docs, sweep=list(sweep_docs))
    points = metrics["sweep"]["points"]
    assert metrics["sweep"]["backend"] == "torch"
    assert [(p["lr"], p["batch_norm"]) for p in points] == [(lr, bn) for lr in (1e-6, 0.1, 1.0, 100.0)
                                                            for bn in (False, True)]
    by_run = {p["run"]: p for p in points}
    diverged = by_run["sweep_lr_1e02_plain"]
    assert diverged["diverged"] is True and diverged["diverged_at"] == {"epoch": 1, "batch": 2}
    assert diverged["best_val_accuracy"] is None and diverged["test_accuracy"] is None
    assert diverged["epochs_completed"] == 0 and diverged["final_train_loss"] is None
    later = by_run["sweep_lr_1e00_plain"]
    assert later["diverged"] is True and later["best_val_accuracy"] == 0.30 and later["epochs_completed"] == 1
    fine = by_run["sweep_lr_1em01_bn"]
    assert fine["diverged"] is False and fine["diverged_at"] is None and fine["best_val_accuracy"] == 0.50
    assert fine["first_batch_loss"] == pytest.approx(2.3) and fine["final_train_loss"] == pytest.approx(2.3 / 3)
    json.dumps(metrics, allow_nan=False)  # strict JSON: no NaN from the diverged runs


def test_schedule_metrics():
    docs = {"schedule_constant": fake_doc(0.1, False, [0.40, 0.45, 0.43, 0.46], schedule={"name": "constant"}),
            "schedule_cosine": fake_doc(0.1, False, [0.40, 0.46, 0.47, 0.475], schedule={"name": "cosine"})}
    docs["schedule_cosine"]["epochs"][3]["lr"] = 0.01
    rows = schedule_metrics(docs, list(docs))["runs"]
    assert [r["name"] for r in rows] == ["constant", "cosine"]
    assert rows[1]["spec"] == {"name": "cosine"} and rows[1]["lrs"] == [0.1, 0.1, 0.1, 0.01]
    assert rows[0]["late_val_change"] == pytest.approx(0.03)  # second half 0.43 -> 0.46
    assert rows[1]["late_val_change"] == pytest.approx(0.005)
    assert rows[1]["best_val_accuracy"] == 0.475 and rows[1]["best_epoch"] == 4


# ----------------------------------------------------------------------------- discussion facts


def point(lr, acc, bn=False, diverged=False, **extra):
    return {"run": f"r{lr}{bn}", "lr": lr, "batch_norm": bn, "best_val_accuracy": acc, "test_accuracy": acc,
            "diverged": diverged, "diverged_at": {"epoch": 1, "batch": 2} if diverged else None,
            "epochs_completed": 0 if acc is None else 10, "epochs": 10, "batches_per_epoch": 351,
            "first_batch_loss": 2.4, "final_train_loss": None if acc is None else 2.0, **extra}


PLAIN = [point(1e-6, 0.11), point(1e-5, 0.14), point(1e-4, 0.27), point(1e-3, 0.37), point(1e-2, 0.46),
         point(1e-1, 0.50), point(1.0, 0.21), point(10.0, None, diverged=True), point(100.0, None, diverged=True)]
BN = [point(1e-6, 0.12, True), point(1e-5, 0.22, True), point(1e-4, 0.35, True), point(1e-3, 0.44, True),
      point(1e-2, 0.50, True), point(1e-1, 0.52, True), point(1.0, 0.49, True), point(10.0, 0.40, True),
      point(100.0, 0.10, True)]


def lrs(points):
    return [p["lr"] for p in points]


def test_setting_facts_without_batch_norm():
    f = setting_facts(list(reversed(PLAIN)), chance=0.1)  # any order
    assert f["best"]["lr"] == 0.1
    assert lrs(f["too_small"]) == [1e-6, 1e-5, 1e-4, 1e-3]  # more than MARGIN below 0.50
    assert lrs(f["near_best"]) == [1e-2, 1e-1] and f["near_best_range"] == (1e-2, 1e-1)
    assert lrs(f["too_large"]) == [1.0]
    assert lrs(f["near_chance"]) == [1e-6, 1e-5]  # below chance + MARGIN = 0.15
    assert lrs(f["diverged"]) == [10.0, 100.0]
    assert f["smallest_diverged"] == 10.0 and f["all_larger_diverged"] is True
    # what the sentences turn on
    assert lrs(f["slow"]) == [1e-6, 1e-5] and f["several_too_small"] is True and f["several_too_large"] is False
    assert f["diverged_from_smallest_up"] is True and f["diverged_after_epochs"] == []
    assert f["larger_rate_trained"] is True  # 1.0 trained, above the best 0.1


def test_setting_facts_with_batch_norm_and_a_diverging_rate_in_between():
    f = setting_facts(BN, chance=0.1)
    assert f["best"]["lr"] == 0.1 and f["diverged"] == [] and f["smallest_diverged"] is None
    assert lrs(f["near_best"]) == [1e-2, 1e-1, 1.0]
    assert lrs(f["too_large"]) == [10.0, 100.0] and lrs(f["near_chance"]) == [1e-6, 100.0]
    gap = [point(0.1, 0.5), point(1.0, None, diverged=True), point(10.0, 0.2)]
    g = setting_facts(gap, chance=0.1)
    assert g["smallest_diverged"] == 1.0 and g["all_larger_diverged"] is False
    assert g["diverged_from_smallest_up"] is False and g["slow"] == []


def test_setting_facts_when_everything_diverged_or_on_a_tie():
    f = setting_facts([point(10.0, None, diverged=True), point(1.0, 0.3, diverged=True)], chance=0.1)
    assert f["best"] is None and f["too_small"] == [] and f["too_large"] == [] and f["near_best_range"] is None
    assert f["smallest_diverged"] == 1.0 and f["all_larger_diverged"] is True
    assert lrs(f["diverged_after_epochs"]) == [1.0] and f["larger_rate_trained"] is False and f["slow"] == []
    tie = setting_facts([point(1.0, 0.5), point(0.1, 0.5)], chance=0.1)
    assert tie["best"]["lr"] == 0.1  # the smaller rate on a tie


def test_batch_norm_comparison():
    c = batch_norm_comparison(setting_facts(PLAIN, 0.1), setting_facts(BN, 0.1))
    assert [s["lr"] for s in c["bn_survives"]] == [10.0, 100.0] and c["bn_survives_all"] is True
    assert c["bn_survives"][0]["bn"]["best_val_accuracy"] == 0.40
    assert [s["near_chance"] for s in c["bn_survives"]] == [False, True]  # 0.10 < chance + MARGIN
    assert [s["lr"] for s in c["bn_survives_poor"]] == [10.0, 100.0]  # more than MARGIN below 0.52
    assert c["bn_survives_huge_loss"] == [] and c["both_best"] is True
    huge = [point(10.0, 0.40, True, max_batch_loss=5e3), *BN[-1:]]
    assert [s["lr"] for s in batch_norm_comparison(setting_facts(PLAIN, 0.1), setting_facts(huge, 0.1))[
        "bn_survives_huge_loss"]] == [10.0]
    assert c["best_diff"] == pytest.approx(0.02)
    assert c["wider_range"] is True  # 0.01..1 with batch norm against 0.01..0.1 without


def test_sweep_context_rows_and_texts():
    ctx = sweep_context({"backend": "torch", "points": PLAIN + BN})
    assert ctx["settings"] == [False, True] and ctx["lrs"] == [p["lr"] for p in PLAIN]
    assert ctx["n_points"] == 18 and ctx["n_diverged"] == 2 and ctx["n_steps"] == 3510
    row = ctx["rows"][-2]
    assert row["lr_text"] == "10" and row["cells"][0]["diverged"] and not row["cells"][1]["diverged"]
    assert ctx["facts"][False]["smallest_diverged_text"] == "10"
    assert ctx["facts"][True]["near_best_range_text"] == ("0.01", "1")
    assert ctx["margin"] == MARGIN and ctx["comparison"]["bn_survives"][0]["lr_text"] == "10"
    assert sweep_context(None) is None and sweep_context({"points": []}) is None
    single = sweep_context({"backend": "numpy", "points": PLAIN[:3]})
    assert single["settings"] == [False] and single["comparison"] is None
    assert single["both_settings"] is False and single["single_setting"] is False and single["backend_name"] == "NumPy"


def test_sweep_context_hands_the_template_ready_values():
    points = [{**p, "first_epoch_train_loss": 2.0} for p in PLAIN] + BN
    ctx = sweep_context({"backend": "torch", "points": points})
    assert ctx["backend_name"] == "PyTorch" and ctx["both_settings"] is True and ctx["single_setting"] is None
    assert (ctx["n_lrs"], ctx["lr_min_text"], ctx["lr_max_text"], ctx["margin_points"]) == (9, "10⁻⁶", "100", 5)
    assert ctx["any_too_small"] is True and ctx["any_too_large_or_diverged"] is True
    best = [(row["lr"], bn) for row in ctx["rows"] for bn, cell in zip(ctx["settings"], row["cells"])
            if cell["is_best"]]
    assert best == [(0.1, False), (0.1, True)]
    f = ctx["facts"][False]
    assert f["too_small_lrs_text"] == "10⁻⁶, 10⁻⁵, 10⁻⁴ and 10⁻³" and f["slow_lrs_text"] == "10⁻⁶ and 10⁻⁵"
    assert f["diverged_lrs_text"] == "10 and 100" and f["too_large_lrs_text"] == "1"
    assert f["slow"][0]["train_loss_change_percent"] == pytest.approx(0.0)  # 2.0 in the first epoch and the last
    assert f["diverged"][0]["epochs_completed_text"] == "0 epochs"
    assert ctx["facts"][True]["slow"][0]["train_loss_change_percent"] is None  # no first-epoch loss given
    c = ctx["comparison"]
    assert c["bn_survives_lrs_text"] == "10 and 100" and c["bn_survives_poor_lrs_text"] == "10 and 100"


def test_lr_list():
    assert [lr_list([{"lr": x} for x in lrs_]) for lrs_ in ([], [1e-6], [1e-6, 0.1], [1e-6, 0.01, 0.1])] == \
        ["", "10⁻⁶", "10⁻⁶ and 0.1", "10⁻⁶, 0.01 and 0.1"]


def schedule_row(name, spec, best, test, final_loss, late, lrs_=(0.1, 0.05)):
    return {"run": f"schedule_{name}", "name": name, "spec": spec, "backend": "numpy", "lr0": 0.1,
            "lrs": list(lrs_), "val_accuracies": [best], "best_val_accuracy": best, "best_epoch": 1,
            "test_accuracy": test, "final_train_loss": final_loss, "late_val_change": late, "diverged": False}


def test_schedules_context_reads_gains_against_the_seed_noise():
    runs = [schedule_row("constant", {"name": "constant"}, 0.50, 0.49, 1.30, 0.010, (0.1, 0.1)),
            schedule_row("time_based", {"name": "time_based", "decay": 0.5}, 0.515, 0.505, 1.20, 0.004),
            schedule_row("cosine", {"name": "cosine"}, 0.505, 0.50, 1.25, 0.012, (0.1, 0.0))]
    groups = {"numpy": {"best_val_accuracy": {"std": 0.005, "n": 3}}}
    ctx = schedules_context({"runs": runs}, groups, decays=[0.5, 2.0])
    f = ctx["facts"]
    assert f["best"]["name"] == "time_based" and f["best_decayed"]["name"] == "time_based"
    assert f["gain"] == pytest.approx(0.015) and f["gain_exceeds_noise"] is True
    assert f["noise_std"] == 0.005 and f["n_seeds"] == 3
    assert f["n_decayed"] == 2 and f["n_decayed_better"] == 2 and f["n_decayed_lower_loss"] == 2
    assert f["n_decayed_steadier"] == 1 and f["decayed_loss_range"] == (1.20, 1.25)
    rows = {r["name"]: r for r in ctx["rows"]}
    assert rows["time_based"]["val_diff"] == pytest.approx(0.015) and rows["time_based"]["is_best"]
    assert rows["constant"]["val_diff"] is None and rows["cosine"]["last_lr"] == 0.0
    assert rows["time_based"]["label"] == "time-based, k = 0.5" and rows["time_based"]["parameters"] == "k = 0.5"
    # the schedule's own formula and parameters (mlp_cifar.schedules), with the run's epochs for the cosine
    assert rows["time_based"]["tex"] == r"\eta_t = \frac{\eta_0}{1 + k t}" and rows["constant"]["parameters"] == ""
    assert rows["cosine"]["label"] == "cosine to 0" and rows["cosine"]["parameters"] == r"T = 2,\ \eta_{\min} = 0"
    assert [r["last_lr_text"] for r in ctx["rows"]] == ["0.1", "0.05", "0"]
    assert ctx["n_schedules"] == 3 and ctx["backend_name"] == "NumPy"
    assert f["gain_positive"] is True and f["several_decayed"] is True and f["all_decayed_better"] is True
    assert f["all_decayed_lower_loss"] is True and f["decayed_loss_one_value"] is False
    assert f["all_decayed_steadier"] is False and f["change_comparable"] is True
    assert f["decayed_change_range"] == (0.004, 0.012) and f["decayed_change_one_value"] is False
    assert [(i["k_text"], i["factor_text"]) for i in ctx["illustration"]] == [("0.5", "1.5"), ("2", "3")]
    # lr0 / (1 + k (epochs - 1)) at the last of the 2 epochs
    assert [i["last_lr"] for i in ctx["illustration"]] == pytest.approx([0.1 / 1.5, 0.1 / 3])
    # Within twice the noise, or with no noise estimate, no gain is claimed.
    assert schedules_context({"runs": runs}, {"numpy": {"best_val_accuracy": {"std": 0.01, "n": 3}}})[
        "facts"]["gain_exceeds_noise"] is False
    assert schedules_context({"runs": runs})["facts"]["gain_exceeds_noise"] is None
    assert schedules_context({"runs": runs[1:]})["facts"]["best_decayed"] is None  # no constant: no discussion
    assert schedules_context(None) is None


# ----------------------------------------------------------------------------- figures


def svg_ids(path):
    return {el.get("id") for el in ET.parse(path).iter() if el.get("id")}


def test_sweep_figures_mark_every_diverged_run(sweep_docs, tmp_path):
    series = sweep_plots.sweep_accuracy_series(sweep_docs)
    assert list(series) == [False, True]
    assert list(series[False]["lr"]) == [1e-6, 0.1, 1.0, 100.0]
    assert list(series[False]["diverged"]) == [False, False, True, True]
    assert math.isnan(series[False]["best_val_accuracy"][3]) and series[False]["best_val_accuracy"][2] == 0.30
    diverged = [name for name, d in sweep_docs.items() if d["diverged"]]
    sweep_plots.plot_sweep_accuracy(sweep_docs, tmp_path / "acc.svg")
    sweep_plots.plot_sweep_epoch_losses(sweep_docs, tmp_path / "epoch.svg")
    sweep_plots.plot_sweep_batch_losses(sweep_docs, tmp_path / "batch.svg")
    ids = {kind: svg_ids(tmp_path / f"{kind}.svg") for kind in ("acc", "epoch", "batch")}
    for name in diverged:
        assert f"sweep_diverged_{name}" in ids["acc"]
        assert f"sweep_epoch_diverged_{name}" in ids["epoch"] and f"sweep_epoch_diverged_label_{name}" in ids["epoch"]
        assert f"sweep_batch_diverged_{name}" in ids["batch"] and f"sweep_batch_diverged_label_{name}" in ids["batch"]
    for name in set(sweep_docs) - set(diverged):
        assert f"sweep_diverged_{name}" not in ids["acc"]
    assert "sweep_before_divergence_plain" in ids["acc"]  # lr 1 completed an epoch before diverging
    sweep_plots.plot_sweep_batch_losses(sweep_docs, tmp_path / "again.svg")
    assert (tmp_path / "batch.svg").read_bytes() == (tmp_path / "again.svg").read_bytes()  # reproducible


def test_schedule_figures(tmp_path):
    specs = [{"name": "constant"}, {"name": "time_based", "decay": 0.5}, {"name": "step", "step_size": 3,
                                                                         "gamma": 0.5}]
    s = schedule_plots.schedule_illustration_series(0.1, 10, [0.0, 0.5, 2.0], specs)
    assert s["time_based"][0.5] == pytest.approx([0.1 / (1 + 0.5 * t) for t in range(10)])
    assert s["compared"]["step, ×0.5 every 3 epochs"][:4] == pytest.approx([0.1, 0.1, 0.1, 0.05])
    schedule_plots.plot_schedule_illustration({}, tmp_path / "ill.svg", lr0=0.1, epochs=10, decays=[0.5, 2.0],
                                              compare=specs)
    ids = svg_ids(tmp_path / "ill.svg")
    assert {"illustration_time_based_0", "illustration_time_based_0-5", "illustration_time_based_2"} <= ids
    docs = {"schedule_constant": fake_doc(0.1, False, [0.4, 0.45], schedule={"name": "constant"}),
            "schedule_cosine": fake_doc(0.1, False, [0.41, 0.46], schedule={"name": "cosine"})}
    schedule_plots.plot_schedules_val_accuracy(docs, tmp_path / "val.svg")  # labelled by schedule, not run name
    ids = svg_ids(tmp_path / "val.svg")
    assert "val_accuracy_constant" in ids and not any(i.startswith("val_accuracy_schedule_") for i in ids)
    assert sum(i.startswith("val_accuracy_") for i in ids) == 2
    assert not any(i.startswith("train_accuracy_") for i in ids)


# ----------------------------------------------------------------------------- through Snakemake (smoke profile)


@pytest.mark.workflow
def test_sweep_with_a_divergent_rate_through_snakemake(smoke_build):
    """Item 2 of the issue: a three-point sweep on synthetic data, lr 100 diverging, run by Snakemake."""
    metrics = json.loads((smoke_build / "results" / "metrics.json").read_text())
    points = {p["lr"]: p for p in metrics["sweep"]["points"]}
    assert sorted(points) == [1e-3, 0.1, 100.0] and metrics["sweep"]["backend"] == "numpy"
    assert points[100.0]["diverged"] is True and points[100.0]["diverged_at"]["epoch"] == 1
    assert points[100.0]["best_val_accuracy"] is None
    # Both smaller rates learn: the best above twice chance (0.1) even for 1e-3 on the small archive.
    for lr in (1e-3, 0.1):
        assert points[lr]["diverged"] is False and points[lr]["best_val_accuracy"] > 0.2
    assert points[0.1]["best_val_accuracy"] > 0.5
    doc = json.loads((smoke_build / "results" / "runs" / "sweep_lr_1e02_plain.json").read_text())
    assert doc["diverged"] is True and doc["batch_losses"][-1] is None and doc["config"]["lr"] == 100.0

    html = (smoke_build / "results" / "report" / "report.html").read_text()
    section = html[html.index('<section id="sweep">'):html.index('<section id="schedules">')]
    table = section[section.index('<table id="table-sweep">'):section.index("</table>")]
    rows = {re.sub(r"<[^>]+>", "", r.split("</td>")[0]).strip(): r
            for r in re.findall(r"<tr><td class=\"num\">.*?</tr>", table, flags=re.S)}
    assert set(rows) == {"10⁻³", "0.1", "100"}
    batch = doc["diverged_at"]["batch"]
    assert len(doc["batch_losses"]) == batch  # recorded up to the batch whose loss blew up
    assert f'class="fail diverged">diverged (1, {batch})' in rows["100"]
    assert "diverged" not in rows["10⁻³"] and "diverged" not in rows["0.1"]
    assert f"the loss became non-finite at η = 100 (epoch 1, batch {batch})" in " ".join(section.split())
    assert "sweep_diverged_sweep_lr_1e02_plain" in section  # the cross in the accuracy figure
    assert "sweep_diverged_sweep_lr_1em01_plain" not in section

    schedules = metrics["schedules"]["runs"]
    assert [r["run"] for r in schedules] == ["schedule_constant", "schedule_time_based"]
    assert schedules[1]["lrs"] == pytest.approx([0.05 / (1 + 0.5 * t) for t in range(3)])
    assert 'id="table-schedules"' in html and 'id="figure-schedules-illustration"' in html


@pytest.mark.workflow
def test_changing_the_sweep_list_adds_or_removes_only_those_points(smoke_copy):
    config = smoke_copy / "profiles" / "smoke" / "experiment.yaml"
    original = config.read_text()
    assert "lrs: [1.0e-3, 1.0e-1, 100.0]" in original
    config.write_text(original.replace("lrs: [1.0e-3, 1.0e-1, 100.0]", "lrs: [1.0e-3, 1.0e-2, 1.0e-1, 100.0]"))
    added = snakemake(smoke_copy, *SMOKE, "-n")
    config.write_text(original.replace("lrs: [1.0e-3, 1.0e-1, 100.0]", "lrs: [1.0e-3, 100.0]"))
    removed = planned_jobs(snakemake(smoke_copy, *SMOKE, "-n"))
    figures = {"plot_sweep_accuracy", "plot_sweep_epoch_losses", "plot_sweep_batch_losses"}
    assert planned_jobs(added) == {"train_sweep_rate": 1, **{f: 1 for f in figures}, "metrics": 1, "tables": 1,
                                   "report": 1, "report_pdf": 1, "all": 1}
    assert "wildcards: rate=1em02" in added.stdout + added.stderr
    assert set(removed) == figures | {"metrics", "tables", "report", "report_pdf", "all"}, removed


@pytest.mark.workflow
def test_a_rates_runs_share_one_job_and_train_as_if_alone(smoke_build, smoke_copy):
    """Each rate's runs (one per batch-norm setting) train one after another in one job, rule
    train_sweep_rate. Listed batch norm first, the plain run is the second one in that process: its
    document equals the smoke build's, where it was its rate's only run, timings aside."""
    from test_training import strip_timings

    work = smoke_copy  # data prepared once already
    (work / "results" / "runs" / "sweep_lr_1em01_plain.json").unlink()  # trained again, beside its bn twin
    proc = snakemake(work, *SMOKE, "results/runs/sweep_lr_1em01_plain.json",
                     "--config", "sweep={backend: numpy, lrs: [0.1], batch_norm: [true, false]}")
    assert planned_jobs(proc) == {"train_sweep_rate": 1}
    out = proc.stdout + proc.stderr
    assert "output: results/runs/sweep_lr_1em01_bn.json, results/runs/sweep_lr_1em01_plain.json" in out
    docs = {kind: json.loads((work / "results" / "runs" / f"sweep_lr_1em01_{kind}.json").read_text())
            for kind in ("bn", "plain")}
    assert docs["bn"]["config"]["batch_norm"] is True and docs["plain"]["config"]["batch_norm"] is False
    alone = json.loads((smoke_build / "results" / "runs" / "sweep_lr_1em01_plain.json").read_text())
    assert strip_timings(docs["plain"]) == strip_timings(alone)
    # One job, one log (a cached rule has no benchmark file), and no job of a run of its own.
    assert (work / "logs" / "train" / "sweep_lr_1em01.log").stat().st_size > 0
    assert not (work / "logs" / "train" / "sweep_lr_1em01_plain.log").exists()


@pytest.mark.workflow
def test_learning_rates_must_be_numbers(tmp_path):
    work = copy_workflow(tmp_path / "w")
    # YAML 1.1 reads 1e-6 (no dot) as text: the workflow reads it as the number the schema asks for
    # (mlp_cifar.config_types); text that is no number is still rejected.
    (work / "ok.yaml").write_text("sweep:\n  lrs: [1e-6, 0.1]\n  batch_norm: [false]\n")
    proc = snakemake(work, "--cores", "1", "-n", "--configfile", "ok.yaml", "--", "results/runs/sweep_lr_1em06_plain.json")
    assert "sweep_lr_1em06_plain" in proc.stdout + proc.stderr
    (work / "bad.yaml").write_text("sweep:\n  lrs: [1e-6, fast]\n  batch_norm: [false]\n")
    proc = snakemake(work, "--cores", "1", "-n", "--configfile", "bad.yaml", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Error validating config file" in out and "'fast' is not of type 'number'" in out