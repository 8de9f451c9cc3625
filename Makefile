# nngrader: every verb of the kit. The first target that needs Python builds
# the kit's own virtual environment (.venv) from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WEEK ?= week03
# Where the four MNIST files live (`make data` downloads them there).
export NNGRADER_DATA_DIR ?= $(CURDIR)/data/mnist

.PHONY: help venv sandbox data assignments release collect grade feedback report demo check style test benchmark \
	benchmark-throughput benchmark-reference clean

help:
	@echo "make demo         grade the sample submissions end to end (release, submit, collect, grade, feedback)"
	@echo "                  in its own throw-away course demo/ (NNGRADER_DEMO_DIR), never the real course/"
	@echo "make test         run the kit's whole test suite"
	@echo "make data         download MNIST into $$NNGRADER_DATA_DIR (checksums verified)"
	@echo "make assignments  regenerate assignments/ (student stubs and notebooks) from solutions/"
	@echo "make release      build the nbgrader course and release WEEK=$(WEEK) to the exchange"
	@echo "make collect      collect submissions of WEEK from the exchange"
	@echo "make grade        autograde new or changed submissions of WEEK (FORCE=1: all), write grades.csv and reports"
	@echo "                  in parallel on all cores (JOBS=n), or on a Dask cluster (SCHEDULER=tcp://host:8786)"
	@echo "make feedback     generate and release feedback for WEEK"
	@echo "make report       write the class report and each results.json again from grades.csv"
	@echo "make check DIR=folder [STUDENT=id]   grade one folder with the hidden graders, without nbgrader,"
	@echo "                  drawing the numbers that student gets"
	@echo "make style DIR=folder   style notes on each module of a folder (ruff, docstrings, comments): for the TA"
	@echo "                  who grades \"clean and commented\"; they give no points"
	@echo "make benchmark    reference speed and end-to-end grading time"
	@echo "make benchmark-throughput [STUDENTS=8] [ROUNDS=2]   submissions per minute: bare nbgrader, 1 worker, all cores, Dask"
	@echo "make benchmark-reference   the NumPy reference SimpleNN against the same network in PyTorch"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

venv: $(VENV)/.installed

# Student code runs inside bubblewrap (bwrap); installed from the system's packages when missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
sandbox:
	@command -v bwrap >/dev/null || { echo "installing bubblewrap, the sandbox student code runs in"; \
	  $(SUDO) apt-get install -y -q bubblewrap >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null 2>&1 && $(SUDO) apt-get install -y -q bubblewrap >/dev/null; } || \
	  { echo "could not install bubblewrap: install the package bubblewrap (apt, dnf, pacman)"; exit 1; }; }

data: venv
	$(PY) -m autograder.handout.mnist download

assignments: venv
	$(PY) -m autograder.cli assignments

release collect feedback report: venv
	$(PY) -m autograder.cli $@ $(WEEK)

demo: venv sandbox
	$(PY) -m autograder.cli $@ $(WEEK)

grade: venv sandbox
	$(PY) -m autograder.cli grade $(WEEK) $(if $(FORCE),--force) $(if $(JOBS),--jobs $(JOBS)) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER))

check: venv sandbox
	@test -n "$(DIR)" || { echo "usage: make check DIR=path/to/submission [STUDENT=id] [WEEK=$(WEEK)]"; exit 2; }
	$(PY) -m autograder.cli check $(WEEK) $(DIR) $(if $(STUDENT),--student $(STUDENT))

style: venv
	@test -n "$(DIR)" || { echo "usage: make style DIR=path/to/submission [WEEK=$(WEEK)]"; exit 2; }
	$(PY) -m autograder.cli style $(WEEK) $(DIR)

test: venv sandbox
	$(PY) -m pytest

benchmark: venv
	$(PY) benchmarks/week03_reference.py

benchmark-throughput: venv sandbox
	$(PY) benchmarks/grade_throughput.py $(if $(STUDENTS),--students $(STUDENTS)) $(if $(ROUNDS),--rounds $(ROUNDS))

benchmark-reference: venv
	$(PY) benchmarks/reference_speed.py

clean:
	rm -rf course demo .pytest_cache

# A mistyped target: say so and point to make help (the files make reads are not targets of this rule).
Makefile pyproject.toml: ;
%:
	@echo "make: no target '$@'; see make help" >&2; exit 2
