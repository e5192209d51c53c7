"""Rebuild on change (mlp_cifar.watch, `make watch`): a template edit rebuilds the report, and only it."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mlp_cifar.watch import is_relevant, snakemake_command


@pytest.mark.parametrize(
    "path, relevant",
    [
        ("templates/report.html.j2", True),
        ("config.yaml", True),
        ("mlp_cifar/plots/runs.py", True),
        ("mlp_cifar/plots/__pycache__/runs.cpython-311.pyc", False),
        ("templates/.report.html.j2.swp", False),
        ("templates/report.html.j2~", False),
        ("workflow/rules/.#train.smk", False),
        ("results/report/.report.html.abc.part", False),
    ],
)
def test_is_relevant(path, relevant):
    assert is_relevant(path) is relevant


def test_default_command_is_the_main_job():
    assert snakemake_command([])[1:] == ["-m", "snakemake", "--cores", "4"]
    assert snakemake_command(["--profile", "p"])[-2:] == ["--profile", "p"]


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def _wait_for(lines: queue.Queue, needle: str, seen: list[str], timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=max(0.1, end - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"no line containing {needle!r} within {timeout} s; output:\n{''.join(seen)}")


def test_template_edit_rebuilds_the_report(smoke_copy: Path):
    work = smoke_copy
    report = work / "results" / "report" / "report.html"
    marker = "Rebuilt-by-the-watcher-7f3a"
    assert marker not in report.read_text()

    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "mlp_cifar.watch", "--profile", "profiles/smoke"],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, "[watch] watching", seen, timeout=180)
        first_build = "".join(seen)
        assert "build finished" in first_build
        # Its Snakemake loads the workflow profile too (rerun-incomplete after an interrupted build).
        assert "workflow specific profile profiles/default" in first_build
        time.sleep(1.0)  # let the file watcher settle before the edit

        template = work / "templates" / "report.html.j2"
        template.write_text(template.read_text().replace("<main>", f"<main>\n<p>{marker}</p>", 1))

        seen.clear()
        _wait_for(lines, "[watch] build finished", seen, timeout=180)
        rebuild = "".join(seen)
        assert "changed: templates/report.html.j2" in rebuild
        assert marker in report.read_text()
        # Snakemake reran only what a template affects.
        ran = {line.split()[-1] for line in rebuild.splitlines() if line.startswith(("rule ", "localrule "))}
        ran = {r.rstrip(":") for r in ran}
        assert ran == {"report", "report_pdf", "all"}, rebuild
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
