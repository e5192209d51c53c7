# The learning-rate sweep's figures, drawn from its run documents (the runs themselves are jobs of
# rule train, named sweep_lr_<rate>_<plain|bn>; see expand_runs in common.smk).


rule plot_sweep_accuracy:
    input:
        runs=run_json(*SWEEP_RUNS),
        code=code("plots.py", "runs.py"),
    output:
        report(
            "results/figures/sweep/lr_sweep_accuracy.svg",
            caption="../report/sweep_accuracy.rst",
            category="Learning-rate sweep",
        ),
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
        report(
            "results/figures/sweep/lr_sweep_epoch_losses.svg",
            caption="../report/sweep_epoch_losses.rst",
            category="Learning-rate sweep",
        ),
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
        report(
            "results/figures/sweep/lr_sweep_batch_losses.svg",
            caption="../report/sweep_batch_losses.rst",
            category="Learning-rate sweep",
        ),
    log:
        "logs/figures/lr_sweep_batch_losses.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_sweep_batch_losses.py"
