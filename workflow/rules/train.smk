# One training job per run (wildcard `run`), each writing one JSON document; the learning-rate sweep
# trains each rate's runs (one per batch-norm setting) in one job (wildcard `rate`), below.


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
        settings=lambda wildcards: [run_settings(wildcards.run)],
        data=config["data"],
    script:
        "../../scripts/train.py"


if SWEEP_JOBS:

    # A sweep run's document comes from its rate's job, not from `train`.
    ruleorder: train_sweep_rate > train

    # The runs of one sweep rate share initialisation and batch order and differ only in batch norm:
    # one process trains them one after another (each document as `train` writes it), so a PyTorch
    # sweep pays its start-up (importing torch) once per rate (mlp_cifar.runs.sweep_jobs;
    # docs/performance.md).
    rule train_sweep_rate:
        input:
            cache=rules.prepare_data.output.cache,
            splits=rules.prepare_splits.output,
            code=code("train.py"),
        output:
            [f"results/runs/{SWEEP_PREFIX}{{rate}}_{kind}.json" for kind in SWEEP_KINDS],
        log:
            f"logs/train/{SWEEP_PREFIX}{{rate}}.log",
        benchmark:
            f"results/benchmarks/train_{SWEEP_PREFIX}{{rate}}.tsv"
        wildcard_constraints:
            rate="|".join(SWEEP_JOBS),
        conda:
            "../../envs/mlp.yaml"
        threads: train_threads
        resources:
            mem_mb=sweep_job_resource("mem_mb"),
            runtime=sweep_job_resource("runtime"),
            gpu=sweep_job_resource("gpu"),
        params:
            settings=lambda wildcards: [
                run_settings(run) for run in SWEEP_JOBS[wildcards.rate]
            ],
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
