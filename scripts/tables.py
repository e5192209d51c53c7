from mlp_cifar.job import logged, read_run_documents, read_json
from mlp_cifar.tables import write_tables

with logged(snakemake.log[0]):
    outputs = dict(snakemake.output.items())
    write_tables(
        read_json(snakemake.input.metrics),
        read_run_documents(snakemake.input.runs),
        csv_out={k.removeprefix("csv_"): v for k, v in outputs.items() if k.startswith("csv_")},
        html_out={k: v for k, v in outputs.items() if not k.startswith("csv_")},
    )
