# MLPs on CIFAR-10: `snakemake --cores 4` builds results/report/report.{html,pdf}.
# This file only sets things up; each stage lives in workflow/rules/.
from snakemake.utils import min_version, validate

from mlp_cifar.config_types import retype_from_file

min_version("9.0")


configfile: "config.yaml"


# Nested --config values arrive as strings ('defaults={epochs: 1}'): give them the schema's types.
retype_from_file(config, "workflow/schemas/config.schema.yaml")
validate(config, "workflow/schemas/config.schema.yaml")


# Snakemake's own report (`snakemake --report report.zip`): this text, and every output marked
# with report(...) in the rule files, with its caption from workflow/report/.
report: "workflow/report/workflow.rst"


wildcard_constraints:
    run="[A-Za-z0-9_]+",


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/parity.smk"
include: "workflow/rules/derivations.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        "results/report/report.html",
        "results/report/report.pdf",
        "results/metrics.json",
        rules.tables.output,
