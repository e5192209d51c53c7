# One training job per run (wildcard `run`), each writing one JSON document.


rule train:
    input:
        cache=rules.prepare_data.output.cache,
        splits=rules.prepare_splits.output,
        code=code("train.py"),
    output:
        "results/runs/{run}.json",
    log:
        "logs/train/{run}.log",
    benchmark:
        "results/benchmarks/train_{run}.tsv"
    conda:
        "../../envs/mlp.yaml"
    threads: train_threads
    # What a cluster job asks for (mlp_cifar.runs.cluster_resources); ignored by local runs.
    resources:
        mem_mb=run_resource("mem_mb"),
        runtime=run_resource("runtime"),
        gpu=run_resource("gpu"),
    params:
        settings=lambda wildcards: run_settings(wildcards.run),
        data=config["data"],
    script:
        "../../scripts/train.py"


rule metrics:
    input:
        runs=expand("results/runs/{run}.json", run=RUNS),
        code=code("metrics.py"),
    output:
        "results/metrics.json",
    log:
        "logs/metrics.log",
    conda:
        "../../envs/mlp.yaml"
    params:
        groups=SEED_GROUPS,
        pair=BACKEND_PAIR,
        sweep=SWEEP_RUNS,
        schedules=SCHEDULE_RUNS,
    script:
        "../../scripts/metrics.py"
