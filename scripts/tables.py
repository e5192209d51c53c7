from mlp_cifar.job import logged, read_json
from mlp_cifar.tables import write_table

with logged(snakemake.log[0]):
    metrics = read_json(snakemake.input.metrics)
    for kind, out in snakemake.output.items():
        write_table(kind, metrics, out)
