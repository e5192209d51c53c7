import os

from mlp_cifar.job import logged
from mlp_cifar.training.workflow import train_runs

# Rule train: one run; rule train_sweep_rate: a learning rate's runs, one after another.
with logged(snakemake.log[0]):
    train_runs(
        snakemake.input.cache,
        os.path.dirname(snakemake.input.splits[0]),
        zip(snakemake.params.settings, snakemake.output, strict=True),
        dict(snakemake.params.data),
        snakemake.threads,
    )
