# Render the report (self-contained HTML and PDF) from run documents, metrics and figures.


rule report:
    input:
        runs=expand("results/runs/{run}.json", run=RUNS),
        metrics="results/metrics.json",
        figures=expand(
            "results/figures/{run}_{figure}.svg",
            run=RUNS,
            figure=["batch_losses", "val_accuracy"],
        ),
        archive_info=rules.prepare_data.output.info,
        benchmarks=rule_benchmarks(),
        templates=sorted(str(p) for p in Path("report").rglob("*") if p.is_file()),
        code=code("report/*.py", "provenance.py"),
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
