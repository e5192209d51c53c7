from mlp_cifar.pipeline import logged, read_json, run_name
from mlp_cifar.plots import plot_val_accuracy

with logged(snakemake.log[0]):
    plot_val_accuracy({run_name(p): read_json(p) for p in snakemake.input.runs}, snakemake.output[0])
