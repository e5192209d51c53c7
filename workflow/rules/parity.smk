# Float64 parity of the NumPy and PyTorch backends: one epoch of `defaults` each, from one seed,
# on synthetic data, without and with batch norm (mlp_cifar/parity.py).


rule parity:
    input:
        code=code("parity.py"),
    output:
        "results/parity.json",
    log:
        "logs/parity.log",
    benchmark:
        "results/benchmarks/parity.tsv"
    conda:
        "../../envs/mlp.yaml"
    threads: train_threads()
    params:
        defaults=config["defaults"],
        parity=config["parity"],
    script:
        "../../scripts/parity.py"
