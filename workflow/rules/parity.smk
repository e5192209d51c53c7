# Float64 parity of the NumPy and PyTorch backends: one epoch of `defaults` each, from one seed,
# on synthetic data, without and with batch norm (mlp_cifar/parity.py). Kept in the results cache (train.smk).


rule parity:
    input:
        code=code("parity.py"),
        requirements=REQUIREMENTS,
    output:
        "results/parity.json",
    log:
        "logs/parity.log",
    cache: CACHE_RESULTS
    conda:
        "../../envs/mlp.yaml"
    threads: train_threads()
    params:
        defaults=config["defaults"],
        parity=config["parity"],
        threads=job_threads,
    script:
        "../../scripts/parity.py"
