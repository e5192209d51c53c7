"""`make ci-local` (.ci/act-local): the GitHub Actions workflow run by a real Actions runner, act.

The act test runs the smoke-report job of a push, as GitHub would, in a copy of this working tree. It needs
the actions the workflow uses, which `../shared/ci-actions/` provides offline; elsewhere it is skipped with
the reason. It carries the `act` marker (pytest -m act runs it alone; -m "not act" leaves it out).
The log reader (.ci/act_log.py) is checked on a log of act's own format, without act."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from workflow_helpers import REPO

ACTIONS = REPO.parent / "shared" / "ci-actions" / "actions.tar.gz"


def _act_log(lines: list[dict], tmp_path: Path) -> str:
    stdin = "time=... level=warning msg=\"Couldn't get a valid docker connection\"\n"
    stdin += "".join(json.dumps(line) + "\n" for line in lines)
    result = subprocess.run([sys.executable, str(REPO / ".ci" / "act_log.py"), str(tmp_path / "summaries"),
                             str(tmp_path / "raw.jsonl")], input=stdin, capture_output=True, text=True, check=True)
    return result.stdout


def test_act_log_reader_keeps_the_job_summary_results_and_wall_times(tmp_path: Path):
    summary = "## Compared with the merge base\n\n| run | before | after |\n| --- | --- | --- |\n| a | 0.5 | 0.5 |\n"
    lines = [
        {"job": "report.yml/smoke-report", "jobID": "smoke-report", "msg": "⭐ Run Set up job",
         "time": "2026-12-04T08:00:00Z"},
        {"job": "report.yml/smoke-report", "jobID": "smoke-report", "msg": "  ⚙  Summary - " + summary,
         "command": "summary", "content": summary, "time": "2026-12-04T08:01:00Z"},
        {"job": "report.yml/smoke-report", "jobID": "smoke-report", "jobResult": "success",
         "msg": "🏁  Job succeeded", "time": "2026-12-04T08:01:30Z"},
        {"job": "report.yml/test", "jobID": "test", "msg": "⭐ Run Set up job", "time": "2026-12-04T08:02:00Z"},
        {"job": "report.yml/test", "jobID": "test", "jobResult": "failure", "msg": "🏁  Job failed",
         "time": "2026-12-04T08:02:07.5Z"},
    ]
    out = _act_log(lines, tmp_path)
    assert "[report.yml/smoke-report] ⭐ Run Set up job" in out and "Couldn't get a valid docker" in out
    assert (tmp_path / "summaries" / "smoke-report.md").read_text() == summary
    assert "job summary of smoke-report" in out and "| a | 0.5 | 0.5 |" in out
    table = out[out.index("job            result"):].splitlines()[1:]
    assert table == [f"{'smoke-report':<14} {'success':<10} {90.0:8.1f} s", f"{'test':<14} {'failure':<10} {7.5:8.1f} s"]
    assert (tmp_path / "raw.jsonl").read_text().count("\n") == len(lines) + 1  # the raw log, whole


def test_act_local_refuses_an_unknown_event_and_a_missing_actions_archive(tmp_path: Path):
    script = REPO / ".ci" / "act-local"
    wrong = subprocess.run(["bash", str(script), "release"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "push or pull_request, not 'release'" in wrong.stderr
    env = {**os.environ, "CI_ACTIONS": str(tmp_path / "nothing.tar.gz"), "CI_LOCAL_DIR": str(tmp_path / "ci")}
    missing = subprocess.run(["bash", str(script), "push"], capture_output=True, text=True, env=env)
    assert missing.returncode == 1 and f"{tmp_path / 'nothing.tar.gz'} is missing (set CI_ACTIONS)" in missing.stderr
    assert not (tmp_path / "ci").exists()  # nothing installed or written before the check


def _working_tree_copy(dest: Path) -> Path:
    """This working tree as act would check it out: tracked and new files, one commit."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dest, check=True)
    subprocess.run(git + ["add", "-A"], cwd=dest, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "the working tree"], cwd=dest, check=True)
    return dest


@pytest.mark.act
@pytest.mark.workflow
@pytest.mark.skipif(os.environ.get("ACT") == "true", reason="already inside an act job (act does not nest)")
@pytest.mark.skipif(not ACTIONS.is_file(), reason=f"the workflow's actions for offline use, {ACTIONS}, are missing")
@pytest.mark.skipif(shutil.which("python3.11") is None, reason="act-local needs python3.11 for the job's setup-python")
def test_smoke_report_job_succeeds_under_act_and_uploads_the_report(tmp_path: Path):
    repo = _working_tree_copy(tmp_path / "repo")
    ci = tmp_path / "ci-local"
    env = {key: value for key, value in os.environ.items() if key != "MLP_CIFAR_CACHE"}  # the job sets its own
    env.update(CI_ACTIONS=str(ACTIONS), CI_LOCAL_DIR=str(ci))
    run = subprocess.run(["bash", ".ci/act-local", "push", "-j", "smoke-report"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=1800)
    tail = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert "🏁  Job succeeded" in run.stdout and f"{'smoke-report':<14} {'success':<10}" in run.stdout, tail
    assert "Build the report on a synthetic archive" in run.stdout
    # The results cache was saved for the next run (a path that does not exist would save nothing).
    assert "Cache saved with key: results-smoke-" in run.stdout, tail
    zips = list((ci / "artifacts").rglob("report-smoke.zip"))
    assert len(zips) == 1, sorted(p.relative_to(ci) for p in (ci / "artifacts").rglob("*"))
    with zipfile.ZipFile(zips[0]) as artifact:
        names = set(artifact.namelist())
        assert {"report/report.html", "report/report.pdf", "metrics.json"} <= names, names
        metrics = json.loads(artifact.read("metrics.json"))
        assert artifact.read("report/report.pdf").startswith(b"%PDF")
    assert metrics["runs"], "the smoke build's metrics have no runs"
