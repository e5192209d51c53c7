from mlp_cifar.pipeline import logged, read_json, run_name
from mlp_cifar.plots import plot_val_accuracy

with logged(snakemake.log[0]):
    plot_val_accuracy({run_name(snakemake.input.run): read_json(snakemake.input.run)}, snakemake.output[0])
