from mlp_cifar.pipeline import logged, render_workflow_report

with logged(snakemake.log[0]):
    render_workflow_report(
        runs=snakemake.input.runs,
        metrics=snakemake.input.metrics,
        figures=snakemake.input.figures,
        archive_info=snakemake.input.archive_info,
        benchmarks=snakemake.input.benchmarks,
        config=snakemake.params.config,
        main_run=snakemake.params.main_run,
        out_html=snakemake.output.html,
        out_pdf=snakemake.output.pdf,
        threads=snakemake.threads,
    )
