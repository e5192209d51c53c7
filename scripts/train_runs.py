import os

from mlp_cifar.job import logged
from mlp_cifar.training import train_run

# The runs of one job, one after another in this process (workflow/rules/train.smk, train_sweep_rate).
with logged(snakemake.log[0]):
    for settings, out in zip(snakemake.params.settings, snakemake.output, strict=True):
        train_run(
            snakemake.input.cache,
            os.path.dirname(snakemake.input.splits[0]),
            dict(settings),
            dict(snakemake.params.data),
            out,
            snakemake.threads,
        )
