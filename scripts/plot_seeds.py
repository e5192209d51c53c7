from mlp_cifar.pipeline import logged, read_json, run_name
from mlp_cifar.plots import plot_seed_bands

with logged(snakemake.log[0]):
    docs = {run_name(p): read_json(p) for p in snakemake.input.runs}
    groups = {group: {name: docs[name] for name in names} for group, names in snakemake.params.groups.items()}
    plot_seed_bands(groups, snakemake.output[0])
