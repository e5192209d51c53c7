from mlp_cifar.pipeline import logged, read_json, run_name
from mlp_cifar.plots import plot_sweep_epoch_losses

with logged(snakemake.log[0]):
    docs = {run_name(p): read_json(p) for p in snakemake.input.runs}
    plot_sweep_epoch_losses(docs, snakemake.output[0])
