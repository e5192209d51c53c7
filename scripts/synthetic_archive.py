from mlp_cifar.data.synthetic import write_synthetic_archive
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    write_synthetic_archive(snakemake.output[0], seed=0, images_per_batch=snakemake.params.images_per_batch)
