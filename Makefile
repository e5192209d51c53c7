# Two entry points for a fresh machine with Python 3.11:
#   make report   – install into .venv, then run the whole workflow (snakemake --cores 4)
#   make test     – install into .venv, then run the tests
# Pass a local archive for offline use: make report ARCHIVE=/path/to/cifar-10-python.tar.gz

PYTHON ?= python3.11
VENV   ?= .venv
CORES  ?= 4
ARCHIVE ?=
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install report train test clean

$(STAMP): envs/requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r envs/requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

report: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) $(if $(ARCHIVE),--config cifar10_archive=$(ARCHIVE))

train: $(STAMP)
	$(BIN)/python -m mlp_cifar.train --out results/runs/numpy_default.json $(if $(ARCHIVE),--archive $(ARCHIVE))

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf results logs .snakemake
