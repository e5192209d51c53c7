from mlp_cifar.pipeline import logged, prepare_data

with logged(snakemake.log[0]):
    prepare_data(snakemake.params.archive, snakemake.output.cache, snakemake.output.info)
