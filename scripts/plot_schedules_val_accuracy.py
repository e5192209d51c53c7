from mlp_cifar.pipeline import logged, read_json
from mlp_cifar.plots import plot_val_accuracy
from mlp_cifar.schedules import label

with logged(snakemake.log[0]):
    docs = [read_json(p) for p in snakemake.input.runs]
    # Labelled by schedule (e.g. "time-based, k = 0.5"), validation accuracy only: five runs overlaid.
    by_label = {label(doc["config"]["schedule"]): doc for doc in docs}
    plot_val_accuracy(by_label, snakemake.output[0], train_accuracy=False)
