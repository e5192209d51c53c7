from mlp_cifar.derivations.rules import plot_relu_variance
from mlp_cifar.pipeline import logged

with logged(snakemake.log[0]):
    plot_relu_variance(snakemake.input.doc, snakemake.output[0])
