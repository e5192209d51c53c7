"""Extending the report: a comparison section is a config.yaml edit, a new figure with its own section
is the four files of the walkthrough in docs/extending.md, and a template naming an unknown figure
stops the workflow before any job runs. Each on a copy of the complete smoke build."""

from __future__ import annotations

import re

import pytest

from workflow_helpers import REPO, copy_workflow, planned_jobs, snakemake

SMOKE = ("--profile", "profiles/smoke")
MARKER = re.compile(r"^(?:#|\{#|\.\.) (append to|new file) (\S+?)(?: #\})?$")


def walkthrough_blocks() -> list[tuple[str, str, str]]:
    """The walkthrough "A new figure with its own section" of docs/extending.md: (action, path, text) per
    code block."""
    page = (REPO / "docs" / "extending.md").read_text()
    part = page[page.index("\n## A new figure with its own section") + 1:]
    part = part[: part.index("\n## ")]
    blocks = []
    for body in re.findall(r"```\w*\n(.*?)```", part, flags=re.S):
        first, _, rest = body.partition("\n")
        m = MARKER.match(first)
        if m:
            blocks.append((m.group(1), m.group(2), rest))
    return blocks


@pytest.fixture()
def built_copy(smoke_copy):
    """A copy of the complete smoke build (files, results and Snakemake's records, mtimes kept)."""
    return smoke_copy


def section(html: str, section_id: str) -> str:
    part = html[html.index(f'<section id="{section_id}"'):]
    return part[: part.index("</section>")]


def test_docs_walkthrough_adds_a_figure_with_its_section_in_four_files(built_copy):
    blocks = walkthrough_blocks()
    assert len({path for _, path, _ in blocks}) == 4, blocks
    for action, path, text in blocks:
        target = built_copy / path
        if action == "new file":
            assert not target.exists(), path
            target.write_text(text)
        else:
            target.write_text(target.read_text() + "\n\n" + text)
    assert planned_jobs(snakemake(built_copy, *SMOKE, "-n")) == {"plot_generalisation_gap": 1, "report": 1,
                                                                 "report_pdf": 1, "all": 1}
    snakemake(built_copy, *SMOKE, "--", "results/report/report.html")  # what is checked; the PDF is planned above
    html = (built_copy / "results" / "report" / "report.html").read_text()
    gap = section(html, "generalisation-gap")
    assert "<h2>Generalisation gap</h2>" in gap and gap.count("<svg") == 1
    assert html.index('id="schedules"') < html.index('id="generalisation-gap"') < html.index('id="derivations"')
    svg = (built_copy / "results" / "figures" / "compare" / "generalisation_gap.svg").read_text()
    assert 'id="gap_numpy_default"' in svg and 'id="gap_torch_default"' in svg


def test_a_run_with_its_own_comparison_section_is_a_config_edit(built_copy):
    config = built_copy / "config.yaml"
    text = config.read_text()
    text = text.replace("\nruns:\n", "\nruns:\n  tiny_bn: {hidden: [16], batch_norm: true, epochs: 2}\n", 1)
    text = text.replace("  sections:\n", "  sections:\n    - {name: tiny-bn, title: Small with batch norm, "
                        "run: tiny_bn, baseline: numpy_default, intro: A narrower layer with batch norm.}\n", 1)
    config.write_text(text)
    planned = planned_jobs(snakemake(built_copy, *SMOKE, "-n"))
    assert planned == {"train": 1, "plot_batch_losses": 1, "plot_val_accuracy": 1, "metrics": 1, "tables": 1,
                       "report": 1, "report_pdf": 1, "all": 1}, planned
    snakemake(built_copy, *SMOKE, "--", "results/report/report.html")  # what is checked; the PDF is planned above
    html = (built_copy / "results" / "report" / "report.html").read_text()
    new = section(html, "tiny-bn")
    assert "<h2>Small with batch norm</h2>" in new and "A narrower layer with batch norm." in new
    assert 'id="figure-tiny-bn-val-accuracy"' in new and 'id="figure-tiny-bn-batch-losses"' in new
    assert new.count("<svg") == 2 and "3072 → 16 → 10" in new
    assert (built_copy / "results" / "figures" / "tiny_bn_val_accuracy.svg").is_file()
    # in the configured order: the new section is listed first
    assert html.index('<section id="tiny-bn"') < html.index('<section id="strong"') < html.index('id="derivations"')


@pytest.mark.workflow
def test_a_section_naming_a_missing_run_stops_before_any_job(tmp_path):
    work = copy_workflow(tmp_path / "work")
    config = work / "config.yaml"
    config.write_text(config.read_text().replace("      run: strong\n", "      run: strnog\n", 1))
    proc = snakemake(work, *SMOKE, check=False)
    assert proc.returncode != 0
    assert "report.sections 'strong': run 'strnog' is not a run" in proc.stdout + proc.stderr
    assert not (work / "results").exists() and not (work / "data").exists()


@pytest.mark.workflow
def test_a_template_naming_an_unknown_figure_stops_before_any_job(tmp_path):
    work = copy_workflow(tmp_path / "work")
    template = work / "templates" / "sections" / "sweep.html.j2"
    template.write_text(template.read_text().replace('figure("sweep_accuracy")', 'figure("sweep_acuracy")', 1))
    proc = snakemake(work, *SMOKE, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "sweep.html.j2: figure 'sweep_acuracy'" in out and "not declared in mlp_cifar/figures.py" in out, out
    assert not (work / "results").exists() and not (work / "data").exists()
    assert not list((work / "logs").glob("**/*.log")) if (work / "logs").exists() else True
