# The learning-rate sweep's figures, drawn from its run documents (the runs themselves are jobs of
# rule train, named sweep_lr_<rate>_<plain|bn>; see expand_runs in common.smk).


rule plot_sweep_accuracy:
    input:
        runs=run_json(*SWEEP_RUNS),
        code=code("plots.py", "runs.py"),
    output:
        "results/figures/sweep/lr_sweep_accuracy.svg",
    log:
        "logs/figures/lr_sweep_accuracy.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_sweep_accuracy.py"


rule plot_sweep_epoch_losses:
    input:
        runs=run_json(*SWEEP_RUNS),
        code=code("plots.py", "runs.py"),
    output:
        "results/figures/sweep/lr_sweep_epoch_losses.svg",
    log:
        "logs/figures/lr_sweep_epoch_losses.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_sweep_epoch_losses.py"


rule plot_sweep_batch_losses:
    input:
        runs=run_json(*SWEEP_RUNS),
        code=code("plots.py", "runs.py"),
    output:
        "results/figures/sweep/lr_sweep_batch_losses.svg",
    log:
        "logs/figures/lr_sweep_batch_losses.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_sweep_batch_losses.py"
