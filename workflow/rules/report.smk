# Render the report (self-contained HTML and PDF) from run documents, metrics and figures.


rule report:
    input:
        runs=expand("results/runs/{run}.json", run=RUNS),
        metrics="results/metrics.json",
        figures=report_figures(),
        parity=rules.parity.output[0],
        derivations=rules.derivations.output[0],
        relu_variance=rules.relu_variance.output[0],
        relu_variance_figure=rules.plot_relu_variance.output[0],
        archive_info=rules.prepare_data.output.info,
        benchmarks=rule_benchmarks(),
        templates=sorted(str(p) for p in Path("report").rglob("*") if p.is_file()),
        code=code("report/*.py", "provenance.py", "runs.py", "schedules.py"),
    output:
        html=report(
            "results/report/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
        pdf=report(
            "results/report/report.pdf",
            caption="../report/report_pdf.rst",
            category="Report",
        ),
    log:
        "logs/report.log",
    conda:
        "../../envs/mlp.yaml"
    params:
        config=config,
        runs=RUNS,
        main_run=config["report"]["main_run"],
    script:
        "../../scripts/render_report.py"


# The key tables as small HTML pages, for Snakemake's own report (`snakemake --report report.zip`).
rule tables:
    input:
        metrics="results/metrics.json",
        code=code("tables.py"),
    output:
        runs=report(
            "results/tables/runs.html",
            caption="../report/table_runs.rst",
            category="Tables",
        ),
        sweep=report(
            "results/tables/sweep.html",
            caption="../report/table_sweep.rst",
            category="Tables",
        ),
        schedules=report(
            "results/tables/schedules.html",
            caption="../report/table_schedules.rst",
            category="Tables",
        ),
    log:
        "logs/tables.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/tables.py"
