# The two commands that matter: `make book` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NB ?= $(shell sed -n 's/^ *- file: \(notebooks\/.*\)$$/\1.ipynb/p' _toc.yml)

.PHONY: book test robustness execute student lint bench clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

## book: build the HTML book from the stored outputs into _build/html (warnings are errors)
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@echo "open _build/html/index.html"

## test: unit tests, every notebook re-run and compared (nbval), the book build
# (under the stored seed: a VGUTILS_SEED left in the shell would change every output)
test: $(DEV_STAMP)
	env -u VGUTILS_SEED $(PY) -m pytest

## robustness: every chapter under other seeds (every assert must hold; outputs not compared)
## and under other oneDNN instruction sets (outputs compared, as in make test); writes nothing
ROBUST_SEEDS ?= 100 200
ROBUST_ISAS ?= AVX2 SSE41
NBVAL_RUN := $(PY) -m pytest -p no:cacheprovider -o addopts= --nbval-current-env --nbval-cell-timeout=300 -q
# every pass runs even when an earlier one fails, so one CI run reports them all
robustness: $(DEV_STAMP)
	@failed=""; for seed in $(ROBUST_SEEDS); do \
	  echo "== every chapter with VGUTILS_SEED=$$seed (asserts must hold, outputs not compared)"; \
	  VGUTILS_SEED=$$seed $(NBVAL_RUN) --nbval-lax $(NB) || failed="$$failed seed=$$seed"; \
	done; \
	for isa in $(ROBUST_ISAS); do \
	  if [ "$$isa" = AVX2 ] && ! grep -qw avx512f /proc/cpuinfo 2>/dev/null; then \
	    echo "== ONEDNN_MAX_CPU_ISA=AVX2 skipped: this CPU has no AVX-512, so AVX2 is what make test ran"; \
	    continue; \
	  fi; \
	  echo "== every chapter with ONEDNN_MAX_CPU_ISA=$$isa (outputs compared)"; \
	  env -u VGUTILS_SEED ONEDNN_MAX_CPU_ISA=$$isa $(NBVAL_RUN) --nbval $(NB) \
	    || failed="$$failed isa=$$isa"; \
	done; \
	if [ -n "$$failed" ]; then echo "== robustness failed in:$$failed"; exit 1; fi; \
	echo "== robustness: every pass held"

## execute: re-run notebooks and store their outputs (all of them, or NB=path/to.ipynb)
execute: $(STAMP)
	$(PY) -m tools.coursework execute $(NB)

## student: the student edition, through nbgrader: an nbgrader course in _course/ with one
## assignment per chapter, released by `nbgrader generate_assignment` into _course/release/
student: $(DEV_STAMP)
	$(PY) -m tools.coursework release _course $(NB)

## bench: run every chapter; wall time and kernel peak memory against the budgets (60 s, 1 GB)
bench: $(STAMP)
	$(PY) -m tools.coursework bench $(NB)

## lint: ruff on vgutils, tests, tools and notebooks
lint: $(STAMP)
	$(VENV)/bin/ruff check vgutils tests tools notebooks

clean:
	rm -rf _build _course
