from mlp_cifar.job import logged
from mlp_cifar.parity import write_parity

with logged(snakemake.log[0]):
    write_parity(dict(snakemake.params.defaults), dict(snakemake.params.parity), snakemake.output[0], snakemake.threads)
