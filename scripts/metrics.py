from mlp_cifar.atomic import write_json
from mlp_cifar.metrics import collect_metrics
from mlp_cifar.pipeline import logged, read_json, run_name

with logged(snakemake.log[0]):
    docs = {run_name(p): read_json(p) for p in snakemake.input.runs}
    groups = {group: list(runs) for group, runs in snakemake.params.groups.items()}
    write_json(
        snakemake.output[0],
        collect_metrics(
            docs,
            groups,
            snakemake.params.pair,
            sweep=list(snakemake.params.sweep),
            schedules=list(snakemake.params.schedules),
        ),
    )
