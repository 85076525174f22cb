# tarbox: `make run` starts the registry on this machine; `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 4873
DATA_DIR ?= ./data
STAGE ?= dev
# The public npm registry, for installing the test clients (pnpm, yarn) only.
NPM_REGISTRY ?= https://registry.npmjs.org/

.DEFAULT_GOAL := help
.PHONY: help install clients browser sam run run-aws-local test lint typecheck unit e2e relevance-full package deploy bench bench-compare bench-search coldstart clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What the server needs, for `make run`: pip says what it fetches (the first time only).
$(VENV)/.serve-installed: $(BIN)/python requirements.txt requirements-serve.txt pyproject.toml
	@echo "tarbox: installing the server's packages into $(VENV) (the first time only)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -r requirements-serve.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Everything else the tests and the linters need.
$(VENV)/.installed: $(VENV)/.serve-installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## create the virtualenv and install everything pinned

node_modules/.installed: package.json package-lock.json
	npm ci --registry=$(NPM_REGISTRY) --no-audit --no-fund --ignore-scripts=false
	touch $@

clients: node_modules/.installed ## install the pinned pnpm and yarn the e2e tests drive

# The web-login tests drive a real headless Chromium: Debian's chromium and chromedriver.
browser: ## install Chromium and chromedriver from Debian's packages (needs root or sudo)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# The SAM CLI checks the packaged template (`sam validate --lint`); its pins clash with ours, so it
# lives in its own virtualenv.
SAM_VENV := .venv-sam
$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0

sam: $(SAM_VENV)/bin/sam ## install the SAM CLI the infra tests use

run: $(VENV)/.serve-installed ## start the registry at http://$(HOST):$(PORT) on the embedded backend (data in $(DATA_DIR))
	$(BIN)/tarbox serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

run-aws-local: install ## the same on the AWS backend, against a moto server in memory (as the e2e tests)
	$(BIN)/python scripts/run_aws_local.py --host $(HOST) --port $(PORT)

lint: install ## ruff (lint and format check), and the import layers (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install ## mypy --strict over app.py and chalicelib/
	$(BIN)/mypy

test: install clients browser sam lint typecheck ## everything: lint, types, unit, contract (every backend), api and e2e tests
	$(BIN)/pytest -n 2 --dist loadgroup -q

# The fast tier (issue 16): the unit tests and the contract suite on the memory backend, in well
# under 30 s on two cores. `make test` runs these on every backend, and everything else.
unit: install ## the fast tier: tests/unit and the contract suite on the memory backend (<30 s)
	TARBOX_CONTRACT_BACKENDS=memory $(BIN)/pytest -q -n 2 -m "not full_suite" tests/unit tests/contract

e2e: install clients browser ## the end-to-end tests with the real npm, pnpm, yarn and Chromium
	$(BIN)/pytest -q -n 2 --dist loadgroup tests/e2e

# `make test` runs the search relevance suite over the catalog sample in the repo
# (tests/fixtures/catalog_sample/); this runs it over the whole npm catalog, which lives outside
# the checkout: FULL_CATALOG=/path/to/npm-packages.tsv.gz to say where.
FULL_CATALOG ?= ../shared/data/npm-packages.tsv.gz
relevance-full: install clients ## the search relevance suite over the whole npm catalog (FULL_CATALOG)
	TARBOX_CATALOG="$(abspath $(FULL_CATALOG))" $(BIN)/pytest -q -n 2 --dist loadgroup \
		tests/search tests/e2e/test_npm_search.py::test_npm_search_over_the_real_catalog

package: install ## build the deployment package for STAGE offline (merged template, precompiled)
	$(BIN)/python infra/build.py out/$(STAGE) --stage $(STAGE)
	$(BIN)/python infra/precompile.py out/$(STAGE)

# make deploy STAGE=prod REGION=eu-west-1 ARTIFACT_BUCKET=my-artifacts CDN_PUBLIC_KEY=cdn.pub.pem \
#   [PUBLIC_URL=https://registry.example.com CERTIFICATE_ARN=arn:…] [TRACING=on] [DRY_RUN=1]
#   (docs/deploy.md)
REGION ?= $(AWS_DEFAULT_REGION)
deploy: package ## package, precompile and deploy STAGE with CloudFormation (docs/deploy.md)
	$(BIN)/python infra/deploy.py --stage $(STAGE) --region "$(REGION)" \
		--artifact-bucket "$(ARTIFACT_BUCKET)" --cdn-public-key "$(CDN_PUBLIC_KEY)" \
		--public-url "$(PUBLIC_URL)" --certificate-arn "$(CERTIFICATE_ARN)" \
		--tracing "$(or $(TRACING),off)" \
		--table-name-override "$(TABLE_NAME_OVERRIDE)" --cdn-key-version "$(or $(CDN_KEY_VERSION),1)" \
		$(if $(DRY_RUN),--dry-run)

bench: install ## load packages into a local server and measure reads (numbers only)
	$(BIN)/python bench/reads.py

bench-compare: install ## the same reads side by side: tarbox, Verdaccio 6.8.0, nginx (numbers only)
	$(BIN)/python bench/compare.py

bench-search: install ## load the 227,000-package catalog into the search index and time queries
	$(BIN)/python bench/search.py

coldstart: install ## measure the handler's cold start from the built package (numbers only)
	$(BIN)/python bench/coldstart.py

clean: ## remove the virtualenv, node_modules and build output
	rm -rf $(VENV) $(SAM_VENV) node_modules out
