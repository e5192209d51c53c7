# Obtain the archive (download, local copy or synthetic), verify it, cache its arrays.


# No code inputs: the official archive, checked against its MD5, is the same whatever our code.
rule download_archive:
    output:
        DOWNLOADED_ARCHIVE,
    log:
        "logs/download_archive.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/download_archive.py"


rule synthetic_archive:
    input:
        code=code("synthetic_archive.py"),
    output:
        SYNTHETIC_ARCHIVE,
    log:
        "logs/synthetic_archive.log",
    conda:
        "../../envs/mlp.yaml"
    script:
        "../../scripts/synthetic_archive.py"


rule prepare_data:
    input:
        archive=archive_input,
        code=code("prepare_data.py"),
    output:
        cache=f"{DATA_DIR}/cifar10.npz",
        info=f"{DATA_DIR}/archive.json",
    log:
        "logs/prepare_data.log",
    benchmark:
        "results/benchmarks/prepare_data.tsv"
    conda:
        "../../envs/mlp.yaml"
    params:
        archive=archive_path(),
    script:
        "../../scripts/prepare_data.py"
