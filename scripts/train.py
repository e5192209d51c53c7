import os

from mlp_cifar.job import logged
from mlp_cifar.training import train_run

with logged(snakemake.log[0]):
    train_run(
        snakemake.input.cache,
        os.path.dirname(snakemake.input.splits[0]),
        dict(snakemake.params.settings),
        dict(snakemake.params.data),
        snakemake.output[0],
        snakemake.threads,
    )
