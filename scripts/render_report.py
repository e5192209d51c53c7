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
        parity=snakemake.input.parity,
        derivations=snakemake.input.derivations,
        relu_variance=snakemake.input.relu_variance,
        relu_variance_figure=snakemake.input.relu_variance_figure,
    )
