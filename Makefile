# Heartbeat. `make dev` runs the stack locally; `make test` runs every check. Both set themselves up.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
SAM_VENV := .venv-sam
# Healthchecks' Python clients, driven by tests/e2e/test_healthchecks_clients.py (their pins clash with .venv's).
CLIENTS_VENV := .venv-clients
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
# Any Python 3.11+ runs the app, tests and local stack; the first one found is used.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do $$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
# `sam build` needs the functions' runtime (template.yaml: python3.13) on PATH; pyenv's copy works.
RUNTIME := python3.13
RUNTIME_BIN := $(shell for d in "$$(dirname "$$(command -v $(RUNTIME) 2>/dev/null || echo /nonexistent)")" $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin; do [ -x "$$d/$(RUNTIME)" ] && "$$d/$(RUNTIME)" -c '' 2>/dev/null && { echo "$$d"; break; }; done)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup dev test lint unit integration properties unit-integration-properties soak e2e clients template build deploy-check deploy smoke bench openapi docs-alerts screenshots clean

help:
	@echo "make dev     run the whole stack locally (moto + HTTP front + sweeper) on 127.0.0.1:3000"
	@echo "make test    lint, unit, integration and end-to-end tests, template checks and sam build"
	@echo "make soak    the property tests with many more random interleavings, and the 50,000-ping load"
	@echo "make bench   measure the targets in docs/architecture.md; writes bench/RESULTS.md (about 5 minutes)"
	@echo "make build   sam build;  make deploy: sam build && sam deploy --guided (README: Deploy)"
	@echo "make deploy-check  sam build's output run as Lambda runs it, each function under its own role, IAM enforced"
	@echo "make smoke URL=... KEY=...  check a live deployment end to end (creates, pings, alerts, cleans up)"
	@echo "make openapi regenerate docs/openapi.json from the API's routes"
	@echo "make screenshots  refresh the dashboard's screenshots in docs/ (headless Chromium)"
	@echo "make docs-alerts  regenerate docs/alerts/ (each alert's email and SMS) from the renderers"
	@echo "make clients Healthchecks' Python clients in .venv-clients, for the end-to-end tests (make e2e runs it)"
	@echo "make clean   remove the virtualenvs, build output and local state"

# uv installs the locks (the same packages pip would): about three times faster than pip, as it
# downloads in parallel and compiles the bytecode on every core. --system-certs: the machine's
# certificates, which pip is set to use here too.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
UV_INSTALL := $(UV) pip install --quiet --system-certs --compile-bytecode --python

NEED_PYTHON = @[ -n "$(PYTHON)" ] || { echo "Python 3.11 or newer is needed (python3.11 on PATH)"; exit 1; }

$(UV):
	$(NEED_PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: requirements/dev.lock pyproject.toml | $(UV)
	$(UV_INSTALL) $(VENV)/bin/python -r requirements/dev.lock
	$(UV_INSTALL) $(VENV)/bin/python --no-deps -e .
	touch $@

$(SAM_VENV)/.installed: requirements/sam.lock | $(UV)
	$(NEED_PYTHON)
	$(PYTHON) -m venv $(SAM_VENV)
	$(UV_INSTALL) $(SAM_VENV)/bin/python -r requirements/sam.lock
	touch $@

$(CLIENTS_VENV)/.installed: requirements/clients.lock | $(UV)
	$(NEED_PYTHON)
	$(PYTHON) -m venv $(CLIENTS_VENV)
	$(UV_INSTALL) $(CLIENTS_VENV)/bin/python -r requirements/clients.lock
	touch $@

clients: $(CLIENTS_VENV)/.installed

setup: $(VENV)/.installed $(SAM_VENV)/.installed

dev: $(VENV)/.installed
	$(PY) -m heartbeat_local.devserver $(if $(FRESH),--fresh)

# unit, integration and properties as one pytest run over both cores, the property test (the longest) first.
test: setup lint unit-integration-properties e2e template deploy-check

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Two pytest processes (pytest-xdist), one a core: each test has its own moto in memory, its own
# ports and its own temporary directory. A process that finishes its share takes tests from the other's.
XDIST := -n 2 --dist worksteal

unit: $(VENV)/.installed
	$(PYTEST) $(XDIST) tests/unit

integration: $(VENV)/.installed
	$(PYTEST) $(XDIST) tests/integration

properties: $(VENV)/.installed
	$(PYTEST) tests/properties

unit-integration-properties: $(VENV)/.installed
	$(PYTEST) $(XDIST) tests/properties tests/unit tests/integration

# The long forms: 1,000 random examples of 30 steps instead of 100 of 20 (about half an hour), the API
# fuzzing (JSON values and raw bytes) with 20 times the examples, and the 50,000-ping load (about 45 minutes).
soak: $(VENV)/.installed
	HYPOTHESIS_PROFILE=soak $(PYTEST) tests/properties tests/integration/test_openapi.py tests/integration/test_hostile_bodies.py
	LOAD_PINGS=50000 LOAD_MONITORS=1000 LOAD_CONCURRENCY=32 LOAD_SWEEP_SECONDS=60 LOAD_TIME_LIMIT=7200 $(PYTEST) -s tests/e2e/test_load.py

e2e: $(VENV)/.installed $(CLIENTS_VENV)/.installed
	$(PYTEST) tests/e2e

# docs/dashboard*.png, the README's screenshots, as the browser test sees the dashboard.
screenshots: $(VENV)/.installed
	UPDATE_SCREENSHOT=1 $(PYTEST) -p no:xdist tests/e2e/test_dashboard.py -k pause_it

# docs/openapi.json, regenerated from the API's routes and models (a test fails while it is stale).
openapi: $(VENV)/.installed
	$(PY) -m heartbeat_local.openapi

# docs/alerts/, each alert's email and SMS written by the renderers (a test fails while it is stale).
docs-alerts: $(VENV)/.installed
	$(PY) -m heartbeat_local.alertdocs

# The optional settings switched on (cfn-lint checks each of them too: tests/unit/test_template.py).
OPTIONAL_PARAMETERS := DomainName=heartbeat.example.com HostedZoneId=Z0123456789ABCDEFGHIJ Detection=seconds \
	CertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/0d3e9f4c-1111-2222-3333-444455556666

# The default build is made once, for deploy-check too: the one with the optional settings goes to a
# directory of its own rather than replacing it.
template: setup build
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_VENV)/bin/sam validate --lint
	PATH="$(RUNTIME_BIN):$$PATH" $(SAM_VENV)/bin/sam build --parameter-overrides $(OPTIONAL_PARAMETERS) \
		--build-dir .aws-sam/build-optional

build: $(SAM_VENV)/.installed
	@[ -n "$(RUNTIME_BIN)" ] || { echo "sam build needs $(RUNTIME) on PATH (e.g. pyenv install 3.13)"; exit 1; }
	PATH="$(RUNTIME_BIN):$$PATH" $(SAM_VENV)/bin/sam build
	@! find .aws-sam/build/CommonLayer/python/heartbeat -name '*.pyc' ! -name '*.cpython-313.pyc' | grep . \
		|| { echo "the layer ships bytecode for another Python than the runtime's (above)"; exit 1; }

# The functions from `sam build`'s output, each a python3.13 process with only its code, the layer and
# the runtime's boto3, under the role SAM's transform gives it, IAM enforced (moto): a scenario makes
# every AWS call they make. Then the proofs that it fails on a denied call, an unset variable and
# x86 code (tests/deploy). About a minute.
deploy-check: build $(VENV)/.installed
	PATH="$(RUNTIME_BIN):$$PATH" $(PY) -m heartbeat_local.deploy
	PATH="$(RUNTIME_BIN):$$PATH" DEPLOY_CHECK=1 $(PYTEST) tests/deploy

# A live deployment, end to end (README: Deploy). URL and KEY default to HEARTBEAT_API_URL and _KEY.
smoke: $(VENV)/.installed
	HEARTBEAT_API_URL="$(or $(URL),$$HEARTBEAT_API_URL)" HEARTBEAT_API_KEY="$(or $(KEY),$$HEARTBEAT_API_KEY)" \
		$(PY) -m heartbeat_local.deploy.smoke

bench: $(VENV)/.installed
	$(PY) -m bench

deploy: build
	$(SAM_VENV)/bin/sam deploy --guided

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CLIENTS_VENV) .aws-sam .heartbeat
