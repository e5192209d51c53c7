# Questions 1, 2 and 5: derivations checked by SymPy (and the NumPy modules against the closed
# forms), and the ReLU-variance experiments (their figure: figures.smk).


rule derivations:
    input:
        code=code("derivations.py"),
    output:
        "results/derivations/derivations.json",
    log:
        "logs/derivations/derivations.log",
    benchmark:
        "results/benchmarks/derivations.tsv"
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/derivations.py"


rule relu_variance:
    input:
        code=code("relu_variance.py"),
    output:
        "results/derivations/relu_variance.json",
    log:
        "logs/derivations/relu_variance.log",
    benchmark:
        "results/benchmarks/relu_variance.tsv"
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/relu_variance.py"
