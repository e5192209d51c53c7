from mlp_cifar.job import logged
from mlp_cifar.report.workflow import render_workflow_report

with logged(snakemake.log[0]):
    render_workflow_report(
        dict(snakemake.input.items()),
        config=snakemake.params.config,
        main_run=snakemake.params.main_run,
        out_html=snakemake.output.html,
        figure_sources=snakemake.params.figure_sources,
        pdf=snakemake.params.pdf,
    )
