from mlp_cifar.atomic import write_json
from mlp_cifar.job import logged, read_run_documents
from mlp_cifar.metrics import collect_metrics

with logged(snakemake.log[0]):
    write_json(
        snakemake.output[0],
        collect_metrics(
            read_run_documents(snakemake.input.runs),
            {group: list(runs) for group, runs in snakemake.params.groups.items()},
            snakemake.params.pair,
            sweep=list(snakemake.params.sweep),
            schedules=list(snakemake.params.schedules),
        ),
    )
