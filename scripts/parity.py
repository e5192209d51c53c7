from mlp_cifar.pipeline import logged, parity_check

with logged(snakemake.log[0]):
    parity_check(dict(snakemake.params.defaults), dict(snakemake.params.parity), snakemake.output[0], snakemake.threads)
