# MLPs on CIFAR-10: `snakemake --cores 4` builds results/report/report.{html,pdf}.
# This file only sets things up; each stage lives in workflow/rules/.
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from mlp_cifar.config_types import prepare_config, yaml_problem

min_version("9.0")

# A YAML mistake in config.yaml, with its line (Snakemake says only "not valid JSON or YAML").
if yaml_problem("config.yaml"):
    raise WorkflowError(yaml_problem("config.yaml"))


configfile: "config.yaml"


SCHEMA = "workflow/schemas/config.schema.yaml"
# Nested --config values arrive as strings ('defaults={epochs: 1}'): give them the schema's types.
# Nested YAML aliases (which expand exponentially) and settings the schema rejects stop the workflow
# here, in a line naming the setting (mlp_cifar.config_types).
try:
    prepare_config(config, SCHEMA)
except ValueError as err:
    raise WorkflowError(str(err))
validate(config, SCHEMA)


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


# Every output README.md lists, each by name: Snakemake rebuilds a deleted file only when a target
# names it (or something downstream must rerun anyway), so that `snakemake` after `rm` of a figure,
# a run document, a table or the report rebuilds exactly that file and what depends on it.
rule all:
    default_target: True
    input:
        "results/report/report.html",
        "results/report/report.pdf",
        "results/metrics.json",
        rules.tables.output,
        rules.parity.output,
        rules.derivations.output,
        rules.relu_variance.output,
        run_documents(RUNS),
        [figure.file(run) for figure, run in PLAN.report_figures()],


# An existing output folder that is read-only, named before any job runs.
check_output_folders()
