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
        html="results/report/report.html",
        pdf="results/report/report.pdf",
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
