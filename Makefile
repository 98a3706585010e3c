# clusterpack — the front door. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CLUSTER ?= qinglan-agrimachinery
CITY ?= 370700
PROGRAMME ?=
STAMP_SYS := $(VENV)/.system-ok
STAMP_PY := $(VENV)/.installed
# Python's bytecode cache, kept inside the venv: with PYTHONDONTWRITEBYTECODE set (as on some machines) every
# command and every test worker compiled the whole package, and pytest re-rewrote every test file, each time.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(abspath $(VENV))/pycache

.PHONY: help setup bundle all bench check city init city-init validate due programmes show round adopt serve bench-web test test-fast golden fuzz lint templates clean
.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  e.g. make bundle CLUSTER=$(CLUSTER)"

$(STAMP_SYS): scripts/ensure-system.sh
	@bash scripts/ensure-system.sh
	@mkdir -p $(VENV) && touch $@

$(STAMP_PY): pyproject.toml $(STAMP_SYS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip >/dev/null
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

setup: $(STAMP_PY) ## Install system packages (as root) and the virtualenv

bundle: setup ## Build the packet of CLUSTER into outputs/ (PROGRAMME= to override)
	@$(BIN)/clusterpack bundle $(CLUSTER) $(if $(PROGRAMME),--programme $(PROGRAMME))

all: setup ## Build every cluster in inputs/ for each programme it names (PROGRAMME= for one; a batch)
	@$(BIN)/clusterpack bundle --all $(if $(PROGRAMME),--programme $(PROGRAMME)) $(if $(JOBS),--jobs $(JOBS))

bench: setup ## Benchmark a synthetic province (160 clusters): naive vs batch, cold, no-change, one field; the web's live check
	@$(BIN)/python scripts/bench.py $(ARGS)
	@$(BIN)/python scripts/bench_web.py

bench-web: setup ## Benchmark the web app's live check against the library's check and clusterpack validate
	@$(BIN)/python scripts/bench_web.py $(ARGS)

check: setup ## Check CLUSTER against the programme's conditions (a table; JSON with ARGS=--json)
	@$(BIN)/clusterpack check $(CLUSTER) $(if $(PROGRAMME),--programme $(PROGRAMME)) $(ARGS)

city: setup ## Build a city bureau's letter, 汇总表 and packet: make city CITY=370700 [PROGRAMME=…]
	@$(BIN)/clusterpack city $(CITY) $(if $(PROGRAMME),--programme $(PROGRAMME))

init: setup ## Create inputs/CLUSTER/ with an empty workbook to fill in: make init CLUSTER=x PROGRAMME=… (asks when not given)
	@p='$(PROGRAMME)'; \
	if [ -z "$$p" ] && [ -t 0 ]; then \
		$(BIN)/clusterpack programmes; read -r -p "申报项目编号 (programme id, 见上表): " p; \
	fi; \
	$(BIN)/clusterpack init $(CLUSTER) $${p:+--programme "$$p"}

city-init: setup ## Start a city's decision file: make city-init CITY=370600 PROGRAMME=digital-apply
	@$(BIN)/clusterpack init --city $(CITY) $(if $(PROGRAMME),--programme $(PROGRAMME))

due: setup ## What is due, when, and whether its packet is built: make due [ON=2026-12-01] [ARGS="--city 370700"]
	@$(BIN)/clusterpack due $(if $(ON),--on $(ON)) $(ARGS)

validate: setup ## Check CLUSTER's data without building
	@$(BIN)/clusterpack validate $(CLUSTER) $(if $(PROGRAMME),--programme $(PROGRAMME))

programmes: setup ## List every programme: its notice, validity today and what it extends
	@$(BIN)/clusterpack programmes

show: setup ## Show PROGRAMME resolved, with the folder each part comes from
	@$(BIN)/clusterpack programme show $(PROGRAMME)

round: setup ## Start a new round: make round NEW=tese-apply-2027 FROM=tese-apply (then edit its programme.yaml)
	@$(BIN)/clusterpack programme new $(NEW) --from $(FROM)

adopt: setup ## Adopt the province's form: make adopt FORM=附件1.docx PROGRAMME=… DOCUMENT=application-form (or summary for the .xlsx)
	@$(BIN)/clusterpack form adopt "$(FORM)" --programme $(PROGRAMME) --document $(DOCUMENT) $(ARGS)

serve: setup ## Start the web app on 127.0.0.1 (PORT=8000 for a fixed port; HOST=… needs accounts: clusterpack user add)
	@$(BIN)/clusterpack serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT)) $(ARGS)

test: setup ## Run the tests (they use the real LibreOffice and Chromium), on up to four cores
	@$(BIN)/python -m pytest -q -n auto --maxprocesses=4

test-fast: setup ## The tests that need no LibreOffice, on every core, fuzzing briefly (a minute or less)
	@CLUSTERPACK_TEST_FAST=1 HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -q -n auto -p no:cacheprovider

golden: setup ## Rewrite tests/golden/ (each example packet's text, part by part) after a deliberate change; review the diff
	@$(BIN)/python -m pytest -q tests/workflows/test_golden.py --refresh-golden

fuzz: setup ## The property tests at nightly size (10 000 examples each; make test runs a few hundred)
	@HYPOTHESIS_PROFILE=nightly $(BIN)/python -m pytest -q tests/stages/test_fuzz.py

lint: setup ## ruff and mypy
	@$(BIN)/ruff check pipeline tests scripts
	@$(BIN)/mypy pipeline

templates: setup ## Remake the .docx templates from scripts/ where they changed; one edited by hand is kept (FORCE=1 overwrites)
	@$(BIN)/python scripts/templates.py $(if $(FORCE),--force)

clean: ## Remove generated outputs
	@find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
