# Questions 1, 2 and 5: derivations checked by SymPy (and the NumPy modules against the closed
# forms), and the ReLU-variance experiments with their figure.


rule derivations:
    input:
        code=code(
            "derivations/checks.py",
            "derivations/identities.py",
            "derivations/code.py",
            "derivations/rules.py",
            "numpy_net/modules.py",
        ),
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
        code=code("derivations/relu_variance.py", "derivations/rules.py"),
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


rule plot_relu_variance:
    input:
        doc=rules.relu_variance.output[0],
        code=code("derivations/relu_variance.py", "plots.py"),
    output:
        report(
            "results/figures/relu_variance_depth.svg",
            caption="../report/relu_variance.rst",
            category="Derivations",
        ),
    log:
        "logs/figures/relu_variance_depth.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/plot_relu_variance.py"
