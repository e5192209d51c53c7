# Each figure is its own job, drawn from run documents only.


rule plot_batch_losses:
    input:
        run="results/runs/{run}.json",
        code=code("plots.py"),
    output:
        "results/figures/{run}_batch_losses.svg",
    log:
        "logs/figures/{run}_batch_losses.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_batch_losses.py"


rule plot_val_accuracy:
    input:
        run="results/runs/{run}.json",
        code=code("plots.py"),
    output:
        "results/figures/{run}_val_accuracy.svg",
    log:
        "logs/figures/{run}_val_accuracy.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_val_accuracy.py"
