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
    params:
        images_per_batch=config["data"]["synthetic_images_per_batch"],
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
        # The archive's path only where no input names it (a missing local archive: the job fails naming
        # the config key); the content, not the path, is part of the key of the results cache downstream.
        archive=lambda wildcards, input: (
            None if input.get("archive") else archive_path(config)
        ),
        content=archive_content,
    script:
        "../../scripts/prepare_data.py"


# The normalised train/validation/test arrays, once; every training job maps them (mlp_cifar.data.split_files).
rule prepare_splits:
    input:
        cache=rules.prepare_data.output.cache,
        code=code("prepare_splits.py"),
    output:
        [f"{SPLITS_DIR}/{name}" for name in SPLIT_FILES],
    log:
        "logs/prepare_splits.log",
    benchmark:
        "results/benchmarks/prepare_splits.tsv"
    conda:
        "../../envs/mlp.yaml"
    params:
        data=config["data"],
    script:
        "../../scripts/prepare_splits.py"
