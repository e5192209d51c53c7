"""The Snakemake workflow end to end on the smoke profile (synthetic archive), and its rebuild rules."""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from mlp_cifar.data.synthetic import write_synthetic_archive
from workflow_helpers import REPO, SNAKEMAKE, copy_workflow, planned_jobs, snakemake

SMOKE = ("--profile", "profiles/smoke")
SECTIONS = ("title", "abstract", "setup", "results-numpy", "comparison", "results-torch", "backends", "parity",
            "sweep", "schedules", "derivations", "derivations-q1", "derivations-q2", "derivations-q5", "all-runs",
            "provenance")
# The smoke profile's repeats: both backends, seeds 42 and 43.
TRAIN_RUNS = ("numpy_default", "numpy_default_seed43", "torch_default", "torch_default_seed43")
# Its learning-rate sweep (three rates, no batch norm) and its two compared schedules.
SWEEP_RUNS = ("sweep_lr_1em03_plain", "sweep_lr_1em01_plain", "sweep_lr_1e02_plain")
SCHEDULE_RUNS = ("schedule_constant", "schedule_time_based")
EXTRA_RUNS = ("strong",)  # config.yaml's `runs:` (shrunk by the smoke profile)


pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def built(smoke_build):
    """The session's smoke build (conftest.smoke_build), read-only: tests that edit take smoke_copy."""
    return smoke_build


def test_smoke_run_produces_report_and_metrics(built):
    report = built / "results" / "report"
    assert (report / "report.html").stat().st_size > 0
    assert (report / "report.pdf").read_bytes().startswith(b"%PDF")
    metrics = json.loads((built / "results" / "metrics.json").read_text())
    run = metrics["runs"]["numpy_default"]
    assert len(run["val_accuracies"]) == 3  # the smoke profile trains 3 epochs
    assert run["best_val_accuracy"] == max(run["val_accuracies"])
    assert run["test_accuracy"] > 0.5  # the synthetic archive is learnable; chance is 0.1
    assert run["diverged"] is False
    doc = json.loads((built / "results" / "runs" / "numpy_default.json").read_text())
    assert doc["config"]["hidden"] == [32] and doc["config"]["threads"] >= 1
    assert doc["device"] == "cpu" and doc["threads"] >= 1


def test_derivations_are_verified_in_the_json_and_the_report_within_a_minute(built):
    doc = json.loads((built / "results" / "derivations" / "derivations.json").read_text())
    assert doc["passed"] is True and doc["failed"] == [] and doc["n_results"] == 18
    assert doc["seconds"] < 60  # its own time (a cached result has no benchmark file)
    html = (built / "results" / "report" / "report.html").read_text()
    assert html.count('<span class="badge verified">verified</span>') == doc["n_results"] + 1  # + the summary
    assert "FAILED" not in html[html.index('id="derivations"'):html.index('id="provenance"')]
    assert 'id="figure-relu-variance-depth"' in html


def test_repeated_seeds_per_backend_with_mean_and_std(built):
    runs = sorted(p.stem for p in (built / "results" / "runs").glob("*.json"))
    assert runs == sorted(TRAIN_RUNS + SWEEP_RUNS + SCHEDULE_RUNS + EXTRA_RUNS)
    metrics = json.loads((built / "results" / "metrics.json").read_text())
    for backend in ("numpy", "torch"):
        group = metrics["groups"][backend]
        assert group["seeds"] == [42, 43] and group["runs"][0] == f"{backend}_default"
        for key in ("best_val_accuracy", "test_accuracy"):
            values = group[key]["per_seed"]
            assert values == [metrics["runs"][run][key] for run in group["runs"]]
            assert group[key]["mean"] == pytest.approx(sum(values) / 2)
            assert group[key]["std"] == pytest.approx(abs(values[0] - values[1]) / 2 ** 0.5)  # ddof=1
        doc = json.loads((built / "results" / "runs" / f"{backend}_default_seed43.json").read_text())
        assert doc["seed"] == 43 and doc["config"]["backend"] == backend
    torch_doc = json.loads((built / "results" / "runs" / "torch_default.json").read_text())
    assert torch_doc["device"] == "cpu" and torch_doc["config"]["device"] == "auto"
    assert abs(metrics["backends"]["test_accuracy_diff"]) <= 0.01
    parity = json.loads((built / "results" / "parity.json").read_text())
    assert parity["passed"] is True and [c["batch_norm"] for c in parity["cases"]] == [False, True]


def test_html_has_every_section_and_is_self_contained(built):
    html = (built / "results" / "report" / "report.html").read_text()
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert "<svg" in html  # figures and equations inlined
    assert not re.search(r'<link\b', html)
    for src in re.findall(r'(?:src|href)="([^"#]*)"', html):
        assert src.startswith("data:") or src == "", f"external reference {src!r}"
    assert html.count("<svg") >= 6  # two figures and the equations


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_has_text_on_every_page(built):
    pdf = built / "results" / "report" / "report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert len(page.split()) > 20, f"page {number} has almost no text"


def test_nothing_to_do_after_a_run(built):
    assert planned_jobs(snakemake(built, *SMOKE, "-n")) == {}


def test_a_clone_of_the_build_is_as_up_to_date_and_its_own(built, smoke_copy):
    """The copies that tests edit (workflow_helpers.clone_build): nothing to do, and a rebuild of the
    copy leaves the shared build's prepared arrays alone although the copy links them."""
    assert planned_jobs(snakemake(smoke_copy, *SMOKE, "-n")) == {}
    split = next((built / "data" / "splits").iterdir())
    before = split.read_bytes()
    assert split.stat().st_ino == (smoke_copy / "data" / "splits" / split.name).stat().st_ino
    proc = snakemake(smoke_copy, *SMOKE, "--forcerun", "prepare_splits", "--", str(Path("data/splits") / split.name))
    assert "rule prepare_splits" in proc.stdout + proc.stderr
    assert split.stat().st_ino != (smoke_copy / "data" / "splits" / split.name).stat().st_ino
    assert split.read_bytes() == before


def test_hyperparameter_change_reruns_training_figures_and_report_only(smoke_copy):
    config = smoke_copy / "profiles" / "smoke" / "experiment.yaml"
    config.write_text(config.read_text().replace("lr: 0.05", "lr: 0.02"))
    proc = snakemake(smoke_copy, *SMOKE, "-n")
    jobs = planned_jobs(proc)
    # Every run derives from `defaults`, and so does the parity check; the data stay as they are.
    # The schedules start from defaults.lr (and its illustration shows it); the sweep sets its own rates,
    # so none of its runs or figures is redone.
    assert set(jobs) == {"train", "plot_batch_losses", "plot_val_accuracy", "plot_backends_batch_losses",
                         "plot_backends_val_accuracy", "plot_backends_loss_difference", "plot_seeds", "parity",
                         "plot_schedule_illustration", "plot_schedules_val_accuracy", "metrics", "tables",
                         "report", "report_pdf", "all"}, jobs
    assert jobs["train"] == len(TRAIN_RUNS) + len(SCHEDULE_RUNS)
    assert "rule train_sweep_rate" not in proc.stdout + proc.stderr


def test_another_seed_trains_only_the_new_runs(smoke_copy):
    config = smoke_copy / "profiles" / "smoke" / "experiment.yaml"
    config.write_text(config.read_text().replace("seeds: [42, 43]", "seeds: [42, 43, 44]"))
    proc = snakemake(smoke_copy, *SMOKE, "-n")
    jobs = planned_jobs(proc)
    assert set(jobs) == {"train", "plot_seeds", "metrics", "tables", "report", "report_pdf", "all"}, jobs
    assert jobs["train"] == 2
    out = proc.stdout + proc.stderr
    assert "results/runs/numpy_default_seed44.json" in out and "results/runs/torch_default_seed44.json" in out


def test_template_edit_reruns_only_the_report(smoke_copy):
    template = smoke_copy / "templates" / "sections" / "setup.html.j2"
    template.write_text(template.read_text() + "\n<!-- edited -->\n")
    jobs = planned_jobs(snakemake(smoke_copy, *SMOKE, "-n"))
    assert set(jobs) == {"report", "report_pdf", "all"}, jobs


def test_all_runs_table_lists_every_run(built):
    html = (built / "results" / "report" / "report.html").read_text()
    table = html.split('id="table-all-runs"', 1)[1].split("</table>", 1)[0]
    for run in (*TRAIN_RUNS, *SWEEP_RUNS, *SCHEDULE_RUNS, *EXTRA_RUNS):
        assert f"<code>{run}</code>" in table, run
    assert table.count('class="diverged"') == 1  # the smoke sweep's rate 100


def test_snakemake_report_has_every_marked_result_with_its_caption(built, tmp_path):
    """`snakemake --report report.zip`: Snakemake's own report, with the figures and tables marked report()."""
    import zipfile

    out = tmp_path / "report.zip"
    snakemake(built, *SMOKE, "--report", str(out))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        index = z.read("report/report.html").decode()
    results = [n for n in names if n.startswith("report/data/raw/")] or names
    for figure in ("numpy_default_val_accuracy.svg", "numpy_vs_torch_loss_difference.svg", "lr_sweep_accuracy.svg",
                   "schedules_illustration.svg", "relu_variance_depth.svg", "strong_batch_losses.svg"):
        assert any(n.endswith(figure) for n in results), figure
    for table in ("runs.html", "sweep.html", "schedules.html", "report.pdf", "report.html"):
        assert any(n.startswith("report/data/raw/") and n.endswith("/" + table) for n in names), table
    for category in ("Training runs", "NumPy and PyTorch", "Learning-rate sweep", "Learning-rate schedules",
                     "Derivations", "Tables", "Report"):
        assert category in index, category
    assert "diverged run (non-finite loss) is a cross on the top edge" in index  # a caption, rendered
    assert "<strong>strong</strong>" in index  # a Jinja caption with its run wildcard filled in


def test_slurm_profile_plans_training_jobs_with_cluster_resources(built):
    """The SLURM profile (dry run: no cluster needed): each training job asks for memory, wall time
    and GPUs from its run's settings (mlp_cifar.runs.cluster_resources); other jobs get the defaults."""
    import importlib.util
    import os

    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        if os.environ.get("REQUIRE_SLURM_PLUGIN"):
            pytest.fail("snakemake-executor-plugin-slurm not installed; .ci/run installs it (make install-slurm)")
        pytest.skip("snakemake-executor-plugin-slurm not installed (make install-slurm)")
    proc = snakemake(built, "--profile", "profiles/slurm", "--configfile",
                     "profiles/smoke/experiment.yaml", "-n", "--forcerun", "train", "train_sweep_rate")
    out = proc.stdout + proc.stderr
    train = {}
    for block in re.split(r"\n(?=rule \w+:)", out):  # one block per planned job
        job = re.match(r"rule train(?:_sweep_rate)?:.*?wildcards: (?:run|rate)=(\w+).*?resources: ([^\n]*)", block,
                       flags=re.S)
        if job:
            train[job.group(1)] = dict(kv.split("=", 1) for kv in job.group(2).split(", "))
    # Every run has its job; a sweep rate's runs share one (rule train_sweep_rate, wildcard rate).
    assert set(train) == set(TRAIN_RUNS) | set(SCHEDULE_RUNS) | set(EXTRA_RUNS) | {"1em03", "1em01", "1e02"}, train
    for run, res in train.items():
        assert int(res["mem_mb"]) >= 2500 and int(res["runtime"]) >= 10 and res["gpu"] == "0", (run, res)
    # The stronger MLP (two layers of 1024 units, ZCA whitening) asks for more memory.
    assert int(train["strong"]["mem_mb"]) > int(train["numpy_default"]["mem_mb"]) + 1000


@pytest.mark.parametrize("bad,key", [
    ("bogus_key: 1\n", "bogus_key"),
    ("defaults:\n  lr: -0.1\n", "lr"),
    ("defaults:\n  batch_size: big\n", "batch_size"),
])
def test_bad_config_stops_before_any_job(tmp_path, bad, key):
    work = copy_workflow(tmp_path / "w")
    (work / "bad.yaml").write_text(bad)
    proc = snakemake(work, "--cores", "1", "--configfile", "bad.yaml", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Error validating config file" in out and key in out
    assert not (work / "results").exists() and not (work / "data").exists()


@pytest.mark.parametrize("archive_bytes", [None, b"not a tar.gz archive"])
def test_missing_or_malformed_local_archive_fails_in_its_rule(tmp_path, archive_bytes):
    work = copy_workflow(tmp_path / "w")
    archive = tmp_path / "cifar-10-python.tar.gz"
    if archive_bytes is not None:
        archive.write_bytes(archive_bytes)
    proc = snakemake(work, "--cores", "1", "data/cifar10.npz", "--config", f"cifar10_archive={archive}",
                     check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Error in rule prepare_data" in out
    assert str(archive) in out
    assert ("does not exist" in out and "cifar10_archive" in out) if archive_bytes is None else \
        "not a readable .tar.gz archive" in out
    assert not (work / "data" / "cifar10.npz").exists()
    assert not (work / "data" / "archive.json").exists()


def test_a_local_archive_is_keyed_on_its_content_not_its_mtime(tmp_path, synthetic_archive):
    """The same bytes copied again (or touched) rebuild nothing; other bytes at the same path rebuild the data."""
    work = copy_workflow(tmp_path / "w")
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(synthetic_archive.read_bytes())
    args = ("--cores", "1", "data/cifar10.npz", "--config", f"cifar10_archive={archive}")
    snakemake(work, *args)
    assert planned_jobs(snakemake(work, *args, "-n")) == {}
    archive.write_bytes(archive.read_bytes())  # copied again: newer than everything built from it
    later = time.time() + 60
    os.utime(archive, (later, later))
    assert planned_jobs(snakemake(work, *args, "-n")) == {}
    write_synthetic_archive(archive, seed=1)
    changed = snakemake(work, *args, "-n")
    assert planned_jobs(changed) == {"prepare_data": 1}, changed.stdout + changed.stderr
    assert "params" in (changed.stdout + changed.stderr).lower()


def test_lint_is_clean_and_rule_files_are_snakefmt_formatted():
    lint = subprocess.run([SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0 and "Congratulations" in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    snakefmt = str(Path(SNAKEMAKE).with_name("snakefmt"))
    files = ["Snakefile", *sorted(str(p.relative_to(REPO)) for p in (REPO / "workflow" / "rules").glob("*.smk"))]
    fmt = subprocess.run([snakefmt, "--check", *files], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
