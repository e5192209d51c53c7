# Each figure is its own job, drawn from run documents only. Figures of one run are
# results/figures/RUN_KIND.svg; figures comparing runs are under results/figures/compare/.


rule plot_batch_losses:
    input:
        runs=["results/runs/{run}.json"],
        code=code("plots.py"),
    output:
        report(
            "results/figures/{run}_batch_losses.svg",
            caption="../report/batch_losses.rst",
            category="Training runs",
            subcategory="{run}",
        ),
    log:
        "logs/figures/{run}_batch_losses.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_batch_losses.py"


rule plot_val_accuracy:
    input:
        runs=["results/runs/{run}.json"],
        code=code("plots.py"),
    output:
        report(
            "results/figures/{run}_val_accuracy.svg",
            caption="../report/val_accuracy.rst",
            category="Training runs",
            subcategory="{run}",
        ),
    log:
        "logs/figures/{run}_val_accuracy.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_val_accuracy.py"


rule plot_backends_val_accuracy:
    input:
        runs=run_json(*BACKEND_PAIR or []),
        code=code("plots.py"),
    output:
        report(
            "results/figures/compare/numpy_vs_torch_val_accuracy.svg",
            caption="../report/backends_val_accuracy.rst",
            category="NumPy and PyTorch",
        ),
    log:
        "logs/figures/numpy_vs_torch_val_accuracy.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_val_accuracy.py"


rule plot_backends_batch_losses:
    input:
        runs=run_json(*BACKEND_PAIR or []),
        code=code("plots.py"),
    output:
        report(
            "results/figures/compare/numpy_vs_torch_batch_losses.svg",
            caption="../report/backends_batch_losses.rst",
            category="NumPy and PyTorch",
        ),
    log:
        "logs/figures/numpy_vs_torch_batch_losses.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_batch_losses.py"


rule plot_backends_loss_difference:
    input:
        runs=run_json(*BACKEND_PAIR or []),
        code=code("plots.py"),
    output:
        report(
            "results/figures/compare/numpy_vs_torch_loss_difference.svg",
            caption="../report/backends_loss_difference.rst",
            category="NumPy and PyTorch",
        ),
    log:
        "logs/figures/numpy_vs_torch_loss_difference.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_loss_difference.py"


rule plot_seeds:
    input:
        runs=run_json(*[run for runs in SEED_GROUPS.values() for run in runs]),
        code=code("plots.py"),
    output:
        report(
            "results/figures/compare/seeds_val_accuracy.svg",
            caption="../report/seeds.rst",
            category="NumPy and PyTorch",
        ),
    log:
        "logs/figures/seeds_val_accuracy.log",
    conda:
        "../../envs/mlp.yaml"
    params:
        groups=SEED_GROUPS,
    script:
        "../../scripts/plot_seeds.py"
