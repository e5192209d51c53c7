# Render the report from run documents, metrics and figures: the self-contained HTML, then its PDF
# (WeasyPrint, much slower: docs/performance.md) in a rule of its own, so that the HTML of an edit is
# there first.


REPORT_PDF = "results/report/report.pdf"


rule report:
    input:
        unpack(report_figure_inputs),
        runs=run_documents(RUNS),
        metrics="results/metrics.json",
        parity=rules.parity.output[0],
        derivations=rules.derivations.output[0],
        relu_variance=rules.relu_variance.output[0],
        archive_info=rules.prepare_data.output.info,
        benchmarks=step_benchmarks,
        templates=sorted(str(p) for p in Path("templates").rglob("*") if p.is_file()),
        code=code("render_report.py"),
    output:
        html=report(
            "results/report/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
    log:
        "logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    conda:
        "../../envs/mlp.yaml"
    params:
        config=config,
        runs=RUNS,
        main_run=PLAN.main_run,
        figure_sources=PLAN.report_figure_sources(),
        # the previous PDF, removed if this HTML fails (mlp_cifar.report.workflow)
        pdf=REPORT_PDF,
    script:
        "../../scripts/render_report.py"


rule report_pdf:
    input:
        html=rules.report.output.html,
        code=code("render_pdf.py"),
    output:
        pdf=report(
            REPORT_PDF,
            caption="../report/report_pdf.rst",
            category="Report",
        ),
    log:
        "logs/report_pdf.log",
    benchmark:
        "results/benchmarks/report_pdf.tsv"
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/render_pdf.py"


# The key tables as small HTML pages, for Snakemake's own report (`snakemake --report report.zip`).
rule tables:
    input:
        metrics="results/metrics.json",
        runs=run_documents(RUNS),
        code=code("tables.py"),
    output:
        **table_outputs(),
        **PLAN.csv_tables(),
    log:
        "logs/tables.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/tables.py"
