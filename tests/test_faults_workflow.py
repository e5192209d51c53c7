"""Faults a user meets after the first build (issue 29), on a real smoke build: a stopped watcher, deleted
outputs, a damaged run document, template errors, a failing job's console output.

Each test works on its own clone of the session's smoke build (conftest.smoke_copy)."""

from __future__ import annotations

import json
import os
import re
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_watch import _reader, _wait_for
from workflow_helpers import clone_build, copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

ARGS = ("--profile", "profiles/smoke")
TEMPLATE = "templates/sections/sweep.html.j2"


@pytest.fixture
def built(smoke_build: Path) -> Path:
    """The session's smoke build, read-only: each test works on its own clone of it."""
    return smoke_build


def replace_text(path: Path, text: str) -> None:
    """Write ``path`` anew (never through a hard link)."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text)
    os.replace(tmp, path)


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


# Case 2: every output README.md lists, deleted, is rebuilt with exactly what depends on it.
DELETED = {
    "results/figures/sweep/lr_sweep_accuracy.svg": {"plot_sweep_accuracy": 1, "report": 1, "report_pdf": 1},
    "results/runs/schedule_constant.json": {"train": 1, "metrics": 1, "tables": 1, "plot_schedules_val_accuracy": 1,
                                            "report": 1, "report_pdf": 1},
    "results/tables/runs.csv": {"tables": 1},
    "results/report/report.html": {"report": 1, "report_pdf": 1},
    "results/report/report.pdf": {"report_pdf": 1},
}


def test_a_deleted_output_is_rebuilt_with_what_depends_on_it(built: Path, tmp_path: Path):
    work = clone_build(built, tmp_path / "work")
    assert planned_jobs(snakemake(work, *ARGS, "-n")) == {}
    for name, jobs in DELETED.items():
        (work / name).unlink()
        planned = planned_jobs(snakemake(work, *ARGS, "-n"))
        assert planned == {**jobs, "all": 1}, name
        shutil.copy2(built / name, work / name)
    # And for real: the deleted table comes back, and then nothing is left to do.
    (work / "results/tables/runs.csv").unlink()
    snakemake(work, *ARGS)
    assert (work / "results/tables/runs.csv").is_file()
    assert planned_jobs(snakemake(work, *ARGS, "-n")) == {}


# Case 10: report.title is the report's title (it was required, and ignored).
def test_the_configured_title_is_the_reports_title(smoke_copy: Path):
    (smoke_copy / "title.yaml").write_text('report: {title: "A lean <build> & its title"}\n')
    snakemake(smoke_copy, *ARGS, "--configfile", "profiles/smoke/experiment.yaml", "title.yaml", "--",
              "results/report/report.html")
    html = (smoke_copy / "results/report/report.html").read_text()
    assert "<title>A lean &lt;build&gt; &amp; its title</title>" in html
    assert "<h1>A lean &lt;build&gt; &amp; its title</h1>" in html


# Case 3: a damaged run document is named, and the same command trains that run again.
def test_a_damaged_run_document_is_named_and_its_run_trained_again(built: Path, tmp_path: Path):
    work = clone_build(built, tmp_path / "work")
    doc = work / "results/runs/schedule_constant.json"
    text = doc.read_text()
    replace_text(doc, text[: len(text) // 2])
    proc = snakemake(work, "results/metrics.json", *ARGS)
    out = output(proc)
    assert "results/runs/schedule_constant.json is damaged (not valid JSON: " in out, out
    assert "its run is trained again" in out
    assert planned_jobs(proc) == {"train": 1, "metrics": 1}
    again, before = json.loads(doc.read_text()), json.loads(text)  # the same numbers, trained again
    assert again["batch_losses"] == before["batch_losses"] and again["test_accuracy"] == before["test_accuracy"]

    # Not a run document at all: named, and trained again too (here only planned).
    other = work / "results/runs/schedule_time_based.json"
    replace_text(other, "{}\n")
    proc = snakemake(work, "-n", "results/metrics.json", *ARGS)
    out = output(proc)
    assert "results/runs/schedule_time_based.json is damaged (not a run document: no 'config'" in out, out
    assert planned_jobs(proc) == {"train": 1, "metrics": 1}


# Cases 8 and 9: template errors name the template and line; a failing job prints no traceback on the
# console (it is in the job's log), and leaves no PDF of an older HTML behind.
def test_template_errors_name_the_template_and_leave_no_stale_pdf(built: Path, tmp_path: Path):
    work = clone_build(built, tmp_path / "work")
    template = work / TEMPLATE
    original = template.read_text()
    lines = original.splitlines(keepends=True)

    replace_text(template, "".join(lines[:5] + ["{% if %}\n"] + lines[5:]))
    proc = snakemake(work, *ARGS, "-n", check=False)
    out = output(proc)
    assert proc.returncode != 0
    assert f"{TEMPLATE}, line 6: " in out, out
    assert "<unknown>" not in out and "Traceback" not in out, out

    replace_text(template, "".join(lines[:5] + ["{{ run.no_such_setting }}\n"] + lines[5:]))
    proc = snakemake(work, *ARGS, check=False)
    out = output(proc)
    assert proc.returncode != 0
    assert f"{TEMPLATE}, line 6: 'dict object' has no attribute 'no_such_setting'" in out, out
    assert "Traceback" not in out, out
    assert "Traceback" in (work / "logs/report.log").read_text()
    assert not (work / "results/report/report.html").exists()
    assert not (work / "results/report/report.pdf").exists(), "a PDF of an older HTML was left"


# Case 1 (and 9): Ctrl-C in the terminal of `make watch` during a build; the same command then completes.
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="sends Ctrl-C to a process group, as a terminal does")
def test_ctrl_c_to_the_watcher_leaves_no_lock(built: Path, tmp_path: Path):
    work = clone_build(built, tmp_path / "work")
    # Its own session and process group, as a shell gives a foreground command; SIGINT not ignored.
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "mlp_cifar.watch", *ARGS], cwd=work, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, "[watch] watching", seen, timeout=120)
        time.sleep(1.0)  # let the file watcher settle before the edit
        template = work / TEMPLATE
        replace_text(template, template.read_text() + "\n<p>edited</p>\n")
        _wait_for(lines, "report_pdf:", seen, timeout=120)
        time.sleep(2.0)  # WeasyPrint is at work
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.5)
    while not lines.empty():
        seen.append(lines.get())
    out = "".join(seen)
    assert proc.returncode == 130, out
    assert "Traceback" not in out, out
    assert "[watch] stopped" in out
    locks = work / ".snakemake" / "locks"
    assert not (locks.exists() and any(locks.iterdir())), out

    rerun = snakemake(work, *ARGS, check=False)
    assert rerun.returncode == 0, output(rerun)
    assert "edited" in (work / "results/report/report.html").read_text()
    assert (work / "results/report/report.pdf").is_file()


# Case 10: a read-only output folder is named before any job runs, without a traceback.
def _without_root_powers() -> tuple[str, ...]:
    """A command prefix under which root's files are checked like anyone's (root may write anywhere)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("as root, a read-only folder needs setpriv to be read-only")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner")


def test_a_read_only_output_folder_is_named(built: Path, tmp_path: Path):
    prefix = _without_root_powers()
    work = clone_build(built, tmp_path / "work")
    template = work / TEMPLATE
    replace_text(template, template.read_text() + "\n<p>edited</p>\n")
    report = work / "results/report"
    report.chmod(0o555)
    try:
        proc = subprocess.run([*prefix, sys.executable, "-m", "snakemake", *ARGS], cwd=work, capture_output=True,
                              text=True, timeout=300)
    finally:
        report.chmod(0o755)
    out = output(proc)
    assert proc.returncode != 0
    assert "cannot write in results/report (not writable by this user)" in out, out
    assert "Traceback" not in out and "PermissionError" not in out, out


# Cases 4, 5 and 10: config mistakes stop the workflow at once, in a few lines naming the setting.
def bomb(levels: int) -> str:
    """sweep.lrs as nested YAML aliases: 9 ** (levels + 1) learning rates once expanded."""
    def level(k: int) -> str:
        if k == 0:
            return "&l0 [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]"
        return f"&l{k} [{level(k - 1)}, " + ", ".join([f"*l{k - 1}"] * 8) + "]"
    return level(levels)


def _limited_memory():
    import resource

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    limit = 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize("edit, message", [
    # case 4: a YAML alias bomb, 9 levels (387 million learning rates)
    (lambda text: re.sub(r"(?m)^  lrs: .*$", "  lrs: " + bomb(8), text),
     "config: sweep.lrs holds more than 100,000 values once its YAML aliases (*name) are expanded"),
    # case 5: a run name too long for a file name, and one Snakemake takes for a cycle
    (lambda text: text.replace("\nruns:\n", "\nruns:\n  " + "r" * 300 + ": {epochs: 1}\n", 1),
     "Error validating config file. On instance['runs']: 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr... (300 characters) is too long"),
    (lambda text: text.replace("\nruns:\n", "\nruns:\n  " + "r" * 30 + ": {epochs: 1}\n", 1),
     "config: run name 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrr' ends in 'r' repeated 30 times"),
    # case 10: a YAML syntax error, with its line
    (lambda text: text.replace("  n_val: 5000", "  n_val: [5000", 1),
     "config.yaml, line 10, column 3: not valid YAML: expected ',' or ']'"),
], ids=["alias-bomb", "long-run-name", "periodic-run-name", "yaml-syntax"])
def test_config_mistakes_stop_the_workflow_in_a_few_lines(tmp_path: Path, edit, message):
    work = copy_workflow(tmp_path / "work")
    config = work / "config.yaml"
    config.write_text(edit(config.read_text()))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n"], cwd=work, capture_output=True, text=True,
                          timeout=60, preexec_fn=_limited_memory)
    took = time.monotonic() - start
    out = output(proc)
    assert proc.returncode != 0
    assert message in out, out[:3000]
    assert len(out.splitlines()) <= 6 and len(out) < 2000, out[:3000]
    assert "Traceback" not in out
    assert took < 30, f"took {took:.0f} s"
