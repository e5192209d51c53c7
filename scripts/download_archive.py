from mlp_cifar.data.archive import download_archive
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    download_archive(snakemake.output[0])
