"""The results cache through Snakemake (issue 27): two checkouts of one commit in different folders share a
cache folder of their own; the second restores every trained run and cached result and trains nothing,
with the same metrics; afterwards, in the second, a damaged entry is computed again, a template edit trains
nothing, an edit of mlp_cifar/schedules.py retrains exactly the runs whose jobs import it, and one more
sweep rate trains only its runs. Two builds that write one entry at once leave it whole."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from mlp_cifar.codedeps import module_files
from mlp_cifar.plan import make_plan, run_documents
from mlp_cifar.results_cache import CHECKOUT_ID_FILE, entries, entry_problem
from mlp_cifar.runs import SWEEP_PREFIX
from test_training import strip_timings
from workflow_helpers import REPO, SNAKEMAKE, copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SMOKE = ("--profile", "profiles/smoke")
# The cached results and metrics.json: the targets of the stages that need no report. (Snakemake builds a
# missing run document only when it is asked for, itself or through `all`: metrics.json alone, up to date,
# does not ask for it.)
OTHERS = ("results/metrics.json", "results/parity.json", "results/derivations/derivations.json",
          "results/derivations/relu_variance.json")
def smoke_plan(work: Path):
    from snakemake.utils import update_config

    config = yaml.safe_load((work / "config.yaml").read_text())
    update_config(config, yaml.safe_load((work / "profiles/smoke/experiment.yaml").read_text()))
    return make_plan(config)


def cached(work: Path) -> list[str]:
    return [*OTHERS, *run_documents(smoke_plan(work).runs)]


def made_by(work: Path) -> dict[str, str]:
    """Each run document of the build -> the checkout that trained it."""
    return {p.stem: json.loads(p.read_text())["made"]["checkout"] for p in sorted((work / "results/runs").glob("*.json"))}


def checkout(work: Path) -> str:
    return (work / CHECKOUT_ID_FILE).read_text().strip()


def train_logs(work: Path) -> set[str]:
    """The training jobs that ran in ``work`` since its logs were last cleared: each writes its log (a job
    restored from the cache does not run, and Snakemake leaves only an empty log file for it)."""
    return {p.stem for p in (work / "logs/train").glob("*.log") if p.stat().st_size}


def clear_train_logs(work: Path) -> None:
    for log in (work / "logs/train").glob("*.log"):
        log.unlink()


def job_log(job) -> str:
    return job.wildcards["run"] if "run" in job.wildcards else f"{SWEEP_PREFIX}{job.wildcards['rate']}"


def test_two_checkouts_share_results_and_each_change_recomputes_exactly_what_it_affects(tmp_path):
    """One test, in stages: each stage starts from the state the one before left (a second checkout and
    its cache), which separate tests could not share without depending on their order."""
    cache = tmp_path / "cache"
    env = {"MLP_CIFAR_CACHE": str(cache)}
    first = copy_workflow(tmp_path / "first" / "checkout")
    snakemake(first, *SMOKE, *cached(first), env=env)
    assert train_logs(first)  # the first trains
    assert all(os.path.realpath(p).startswith(str(cache)) for p in (first / "results/runs").iterdir())

    # 1. The second checkout, elsewhere: every result restored, nothing trained, the same metrics.
    second = copy_workflow(tmp_path / "elsewhere" / "second")
    snakemake(second, *SMOKE, env=env)
    assert train_logs(second) == set()
    assert (second / "results/report/report.pdf").is_file() and (second / "results/report/report.html").is_file()
    runs = made_by(second)
    assert runs and set(runs.values()) == {checkout(first)} and checkout(first) != checkout(second)
    for name in ("parity.json", "derivations/derivations.json", "derivations/relu_variance.json"):
        assert json.loads((second / "results" / name).read_text())["made"]["checkout"] == checkout(first)
    metrics = [strip_timings(json.loads((w / "results/metrics.json").read_text())) for w in (first, second)]
    assert metrics[0] == metrics[1]
    html = (second / "results/report/report.html").read_text()
    table = html.split('id="table-results-made"', 1)[1].split("</table>", 1)[0]
    assert table.count("restored from the cache") == len(runs) + 3 and ">here<" not in table

    # 2. A damaged entry is found, removed and computed again; its document is never read.
    entry = Path(os.path.realpath(second / "results/runs/numpy_default.json"))
    entry.write_bytes(entry.read_bytes()[:100])  # cut short
    out = snakemake(second, *SMOKE, *cached(second), env=env)
    assert f"results cache entry {entry} is damaged" in out.stdout + out.stderr
    assert train_logs(second) == {"numpy_default"}, out.stdout + out.stderr
    runs = made_by(second)  # every document reads as JSON again
    assert {name for name, by in runs.items() if by == checkout(second)} == {"numpy_default"}

    # 3. A template edit trains nothing.
    clear_train_logs(second)
    template = second / "templates/sections/provenance.html.j2"
    template.write_text(template.read_text() + "\n<p>edited</p>\n")
    snakemake(second, *SMOKE, "results/report/report.html", env=env)
    assert "edited" in (second / "results/report/report.html").read_text()
    assert train_logs(second) == set() and made_by(second) == runs

    # 4. An edit of mlp_cifar/schedules.py retrains exactly the runs whose jobs import it.
    plan = smoke_plan(second)
    importing = [job for job in plan.training_jobs()
                 if "mlp_cifar/schedules.py" in module_files(str(REPO / "scripts/train.py"), root=REPO,
                                                             modules=tuple(plan.backend_modules(job.runs)))]
    assert importing  # the training loop reads the schedules
    schedules = second / "mlp_cifar/schedules.py"
    schedules.write_text(schedules.read_text() + "\n# edited\n")
    snakemake(second, *SMOKE, *cached(second), env=env)
    assert train_logs(second) == {job_log(job) for job in importing}
    retrained = {run for job in importing for run in job.runs}
    assert {name for name, by in made_by(second).items() if by == checkout(second)} == retrained | {"numpy_default"}

    # 5. One more sweep rate trains only its runs.
    clear_train_logs(second)
    before = made_by(second)
    experiment = second / "profiles/smoke/experiment.yaml"
    config = yaml.safe_load(experiment.read_text())
    config["sweep"]["lrs"] = sorted([*config["sweep"]["lrs"], 0.01])
    experiment.write_text(yaml.safe_dump(config))
    snakemake(second, *SMOKE, *cached(second), env=env)
    after, plan = made_by(second), smoke_plan(second)
    new_jobs = [job for job in plan.training_jobs() if not set(job.runs) <= set(before)]
    assert len(new_jobs) == 1 and set(after) - set(before) == set(new_jobs[0].runs)
    assert train_logs(second) == {job_log(new_jobs[0])}
    assert {name: after[name] for name in before} == before


def test_two_builds_writing_one_entry_at_once_leave_it_whole(tmp_path):
    """Two checkouts start the same cached job at the same moment with an empty shared cache: both find no
    entry, both compute and both store it. Snakemake moves each output into a temporary folder inside the
    cache and renames it into place, so the entry left is one whole, sealed document that both link to."""
    cache = tmp_path / "cache"
    target = "results/derivations/derivations.json"
    works = [copy_workflow(tmp_path / name / "checkout") for name in ("a", "b")]
    for w in works:  # the same slower script in both (so the same key): the two jobs surely overlap
        script = w / "scripts/derivations.py"
        script.write_text("import time\ntime.sleep(5)\n" + script.read_text())
    env = {**os.environ, "MLP_CIFAR_CACHE": str(cache)}
    procs = [subprocess.Popen([SNAKEMAKE, *SMOKE, "--cores", "1", target], cwd=w, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for w in works]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    for w, out in zip(works, outs):  # each computed it: neither found the other's entry at its start
        assert (w / "logs/derivations/derivations.log").stat().st_size, out
    stored = [e for e in entries(cache) if entry_problem(e) is None]
    assert len(entries(cache)) == len(stored) == 1, [(e, entry_problem(e)) for e in entries(cache)]
    assert {os.path.realpath(w / target) for w in works} == {str(stored[0].resolve())}
    assert not [p for p in cache.iterdir() if p.is_dir()]  # no temporary folder left behind
