from mlp_cifar.data.ingest import prepare_data
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    archive = snakemake.input.get("archive") or snakemake.params.archive
    prepare_data(archive, snakemake.output.cache, snakemake.output.info)
