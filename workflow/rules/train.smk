# One training job per run (wildcard `run`), each writing one JSON document; the learning-rate sweep
# trains each rate's runs (one per batch-norm setting) in one job (wildcard `rate`), below.
# Both are kept in the results cache (`cache:`, mlp_cifar/results_cache.py): its key covers the script,
# the params (the runs' settings, the threads they train on) and the content of the code and requirements
# inputs; a run's training time is in its document (Snakemake refuses a cached rule a `benchmark:`).


rule train:
    input:
        cache=rules.prepare_data.output.cache,
        splits=rules.prepare_splits.output,
        code=training_code,
        requirements=REQUIREMENTS,
    output:
        RUN_DOCUMENT,
    log:
        "logs/train/{run}.log",
    # The runs this rule trains (mlp_cifar.plan): a sweep run's document comes from its rate's job.
    wildcard_constraints:
        run="|".join(job["run"] for job in PLAN.jobs()["train"]),
    cache: CACHE_RESULTS
    conda:
        "../../envs/mlp.yaml"
    threads: train_threads
    # What a cluster job asks for (mlp_cifar.runs.cluster_resources); ignored by local runs.
    resources:
        mem_mb=training_resource("mem_mb"),
        runtime=training_resource("runtime"),
        gpu=training_resource("gpu"),
    params:
        settings=job_settings,
        data=config["data"],
        # PyTorch's float32 results on the CPU depend on the thread count: a part of the cache key.
        threads=job_threads,
    script:
        "../../scripts/train.py"


if PLAN.sweep_jobs:

    # The runs of one sweep rate share initialisation and batch order and differ only in batch norm:
    # one process trains them one after another (each document as `train` writes it), so a PyTorch
    # sweep pays its start-up (importing torch) once per rate (mlp_cifar.runs.sweep_jobs;
    # docs/performance.md).
    rule train_sweep_rate:
        input:
            cache=rules.prepare_data.output.cache,
            splits=rules.prepare_splits.output,
            code=training_code,
            requirements=REQUIREMENTS,
        # Named outputs: Snakemake caches a rule with several outputs only when each has a name.
        output:
            **{
                kind: RUN_DOCUMENT.format(run=f"{SWEEP_PREFIX}{{rate}}_{kind}")
                for kind in PLAN.sweep_kinds
            },
        log:
            f"logs/train/{SWEEP_PREFIX}{{rate}}.log",
        wildcard_constraints:
            rate="|".join(PLAN.sweep_jobs),
        cache: CACHE_RESULTS
        conda:
            "../../envs/mlp.yaml"
        threads: train_threads
        resources:
            mem_mb=training_resource("mem_mb"),
            runtime=training_resource("runtime"),
            gpu=training_resource("gpu"),
        params:
            settings=job_settings,
            data=config["data"],
            threads=job_threads,
        script:
            "../../scripts/train.py"


rule metrics:
    input:
        runs=run_documents(RUNS),
        code=code("metrics.py"),
    output:
        "results/metrics.json",
    log:
        "logs/metrics.log",
    conda:
        "../../envs/mlp.yaml"
    params:
        groups=PLAN.seed_groups,
        pair=PLAN.backend_pair,
        sweep=PLAN.sweep_runs,
        schedules=PLAN.schedule_runs,
    script:
        "../../scripts/metrics.py"
