# Learning-rate schedules: an illustration drawn from the schedule formulas alone, and the
# validation curves of `defaults` trained with each compared schedule (runs schedule_<name> of
# rule train; see expand_runs in common.smk).


rule plot_schedule_illustration:
    input:
        code=code("plots.py", "runs.py", "schedules.py"),
    output:
        report(
            "results/figures/schedules/schedules_illustration.svg",
            caption="../report/schedules_illustration.rst",
            category="Learning-rate schedules",
        ),
    log:
        "logs/figures/schedules_illustration.log",
    conda:
        "../../envs/mlp.yaml"
    params:
        lr0=config["defaults"]["lr"],
        epochs=config["defaults"]["epochs"],
        decays=config.get("schedules", {}).get("decays", []),
        compare=config.get("schedules", {}).get("compare", []),
    script:
        "../../scripts/plot_schedule_illustration.py"


rule plot_schedules_val_accuracy:
    input:
        runs=run_json(*SCHEDULE_RUNS),
        code=code("plots.py", "runs.py", "schedules.py"),
    output:
        report(
            "results/figures/schedules/schedules_val_accuracy.svg",
            caption="../report/schedules_val_accuracy.rst",
            category="Learning-rate schedules",
        ),
    log:
        "logs/figures/schedules_val_accuracy.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_schedules_val_accuracy.py"
