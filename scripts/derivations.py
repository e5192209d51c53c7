from mlp_cifar.derivations.rules import write_derivations
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    write_derivations(snakemake.output[0])
