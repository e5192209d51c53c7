from mlp_cifar.derivations.rules import write_relu_variance
from mlp_cifar.job import logged

with logged(snakemake.log[0]):
    write_relu_variance(snakemake.output[0])
