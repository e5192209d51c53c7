# Questions 1, 2 and 5: derivations checked by SymPy (and the NumPy modules against the closed
# forms), and the ReLU-variance experiments (their figure: figures.smk). Both are kept in the results
# cache (train.smk).


rule derivations:
    input:
        code=code("derivations.py"),
        requirements=REQUIREMENTS,
    output:
        "results/derivations/derivations.json",
    log:
        "logs/derivations/derivations.log",
    cache: CACHE_RESULTS
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/derivations.py"


rule relu_variance:
    input:
        code=code("relu_variance.py"),
        requirements=REQUIREMENTS,
    output:
        "results/derivations/relu_variance.json",
    log:
        "logs/derivations/relu_variance.log",
    cache: CACHE_RESULTS
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/relu_variance.py"
