"""The report's table of step times is read off the rules: every job before the report whose rule has a
`benchmark:` is listed by its benchmark file's name, prepare_splits included, and a rule added to the
workflow reaches the table without anyone adding it to a list (workflow/rules/common.smk,
step_benchmarks; the jobs of a rule with wildcards: mlp_cifar.plan, Plan.jobs)."""

from __future__ import annotations

import re
from pathlib import Path

from workflow_helpers import planned_jobs, snakemake

SMOKE = ("--profile", "profiles/smoke")
NEW_RULE = '''

rule count_runs:
    input:
        run_documents(RUNS),
    output:
        "results/extra/run_count.txt",
    benchmark:
        "results/benchmarks/count_runs.tsv"
    shell:
        "ls {input} | wc -l > {output}"
'''


def step_times(html: str) -> dict[str, str]:
    """Step name -> wall time as the report's table of step times shows them."""
    table = html.split('id="table-rule-seconds"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row"><code>(\w+)</code></th><td class="num">([^<]+)</td>', table))


def add_rule_file(work: Path, text: str) -> None:
    """workflow/rules/extra.smk with ``text``, included by the Snakefile after the report's rules."""
    (work / "workflow" / "rules" / "extra.smk").write_text(text)
    snakefile = work / "Snakefile"
    include = 'include: "workflow/rules/report.smk"\n'
    assert include in snakefile.read_text()
    snakefile.write_text(snakefile.read_text().replace(include, include + 'include: "workflow/rules/extra.smk"\n'))


def test_every_step_with_a_benchmark_before_the_report_is_in_its_table(smoke_build):
    steps = step_times((smoke_build / "results" / "report" / "report.html").read_text())
    written = {p.stem for p in (smoke_build / "results" / "benchmarks").glob("*.tsv")}
    assert set(steps) == written - {"report", "report_pdf"}  # the report's own come after it
    assert {"prepare_data", "prepare_splits"} <= set(steps)
    assert all(re.search(r"\d", time) for time in steps.values()), steps
    # The cached results have no benchmark (Snakemake refuses them one): their own times are in the table of
    # where each result was made, from their documents.
    made = (smoke_build / "results" / "report" / "report.html").read_text().split('id="table-results-made"', 1)[1]
    made = made.split("</table>", 1)[0]
    for name in ("parity", "derivations", "relu_variance", "numpy_default", "sweep_lr_1em01_plain"):
        row = made.split(f"<code>{name}</code>", 1)[1].split("</tr>", 1)[0]
        assert "<td>here</td>" in row, (name, row)
        assert re.search(r"\d", row.rsplit("<td", 1)[1]), (name, row)  # its own time


def test_a_rule_added_with_a_benchmark_reaches_the_report(smoke_copy):
    work = smoke_copy
    add_rule_file(work, NEW_RULE)
    assert planned_jobs(snakemake(work, *SMOKE, "-n")) == {"count_runs": 1, "report": 1, "report_pdf": 1, "all": 1}
    snakemake(work, *SMOKE)
    steps = step_times((work / "results" / "report" / "report.html").read_text())
    assert "count_runs" in steps and re.search(r"\d", steps["count_runs"]), steps
    assert "prepare_splits" in steps


def test_a_rule_with_wildcards_the_plan_does_not_know_is_named(smoke_copy):
    work = smoke_copy
    add_rule_file(work, NEW_RULE.replace("run_documents(RUNS)", '"results/runs/{run}.json"')
                  .replace("run_count.txt", "{run}.txt").replace("count_runs.tsv", "count_{run}.tsv"))
    out = snakemake(work, *SMOKE, "-n", check=False)
    assert out.returncode != 0
    assert "the benchmark of rule count_runs, results/benchmarks/count_{run}.tsv, has wildcards" in out.stdout + out.stderr
