from mlp_cifar.data.ingest import prepare_data
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    prepare_data(snakemake.params.archive, snakemake.output.cache, snakemake.output.info)
