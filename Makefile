# Two entry points for a fresh machine with Python 3.11:
#   make report   – install into .venv, then run the whole workflow (snakemake --cores <CPUs>)
#   make test     – install into .venv, then run the tests (all tiers, one worker per CPU)
#   make test-fast – the fast tier: tests that neither start Snakemake nor read the real archive
#   make watch    – run the workflow, then rerun it on every change of config, code or templates
#   make docs     – build the documentation (docs/) into results/docs-site/, warnings as errors
#   make cache    – the results cache shared by every checkout: where, how big, what (make cache-clear empties it)
#   make ci-local – the GitHub Actions workflow run here by act: a push, then a pull request (EVENTS=push: one)
# Pass a local archive for offline use: make report ARCHIVE=/path/to/cifar-10-python.tar.gz (spaces are fine:
# ARCHIVE="/my data/cifar-10-python.tar.gz"); extra Snakemake arguments: make report SNAKEMAKE_ARGS="-n"

PYTHON ?= python3.11
VENV   ?= .venv
# One core per CPU this shell may use (affinity mask and cgroup quota: mlp_cifar.job.usable_cpus, which
# also caps each job's threads; standard library only, so it runs before the install): most training
# jobs take one thread each, so more cores than CPUs would only make them wait for each other (same
# total time, longer recorded run times). make report CORES=8 overrides.
CORES  ?= $(shell $(PYTHON) -c 'from mlp_cifar.job import usable_cpus; print(usable_cpus())' 2>/dev/null || nproc 2>/dev/null || echo 4)
ARCHIVE ?=
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install install-slurm report train test test-fast watch docs cache cache-clear ci-local clean

$(STAMP): envs/requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r envs/requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

# The SLURM executor plugin for profiles/slurm (docs/cluster-gpu.md).
install-slurm: $(STAMP)
	$(BIN)/pip install --quiet -r envs/slurm.txt

# The results cache (mlp_cifar/results_cache.py): MLP_CIFAR_CACHE=off or a folder, passed on to Snakemake.
export MLP_CIFAR_CACHE

report: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS) $(if $(ARCHIVE),--config "cifar10_archive=$(ARCHIVE)")

train: $(STAMP)
	$(BIN)/python -m mlp_cifar.training.cli --out results/runs/numpy_default.json $(if $(ARCHIVE),--archive "$(ARCHIVE)")

# The tests run in one pytest-xdist worker per CPU, a test file per worker at a time (module fixtures are
# made once); make test TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= $(CORES)
PYTEST := $(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: $(STAMP)
	$(PYTEST)

test-fast: $(STAMP)
	$(PYTEST) -m "not workflow and not slow"

# Rebuild whenever the config, the workflow, a script, a template or the package changes
# (mlp_cifar/watch.py); extra Snakemake arguments: make watch SNAKEMAKE_ARGS="--profile profiles/smoke"
watch: $(STAMP)
	$(BIN)/python -m mlp_cifar.watch --cores $(CORES) $(SNAKEMAKE_ARGS) $(if $(ARCHIVE),--config "cifar10_archive=$(ARCHIVE)")

# The documentation (docs/, mkdocs.yml) with MkDocs, warnings as errors: a broken link or a page missing
# from the nav fails. NO_MKDOCS_2_WARNING silences Material's notice of its end of life on every build.
DOCS_SITE ?= results/docs-site
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir "$(DOCS_SITE)"

# The results cache's location, size and entries; cache-clear removes every entry.
cache: $(STAMP)
	$(BIN)/python -m mlp_cifar.results_cache

cache-clear: $(STAMP)
	$(BIN)/python -m mlp_cifar.results_cache --clear

# The results cache is left alone (make cache-clear).
# The workflow's jobs under act, on this machine, offline (.ci/act-local, docs/ci.md#running-the-workflow-here):
# a push runs test, smoke-report and full-report (on ARCHIVE, default ../shared/data/cifar10/); a pull request
# runs smoke-report with its merge-base comparison. Stops at the first failing event.
EVENTS ?= push pull_request
ci-local:
	@for event in $(EVENTS); do ARCHIVE="$(ARCHIVE)" bash .ci/act-local $$event || exit 1; done

clean:
	rm -rf results logs .snakemake
