import os

from mlp_cifar.data.split_files import prepare_splits
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    prepare_splits(snakemake.input.cache, os.path.dirname(snakemake.output[0]), **snakemake.params.data)
