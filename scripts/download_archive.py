from mlp_cifar.pipeline import logged, obtain_official_archive

with logged(snakemake.log[0]):
    obtain_official_archive(snakemake.output[0])
