from mlp_cifar.pipeline import logged
from mlp_cifar.plots import plot_schedule_illustration

with logged(snakemake.log[0]):
    plot_schedule_illustration(
        snakemake.params.lr0,
        snakemake.params.epochs,
        list(snakemake.params.decays),
        [dict(spec) for spec in snakemake.params.compare],
        snakemake.output[0],
    )
