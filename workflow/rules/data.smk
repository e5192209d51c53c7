# Obtain the archive (download, local copy or synthetic), verify it, cache its arrays.


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
        code=code("data/archive.py", "data/cache.py"),
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
