# Involve: the two commands a person needs are `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/involve/core/static/vendor
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk

.PHONY: demo test setup static lint clean

demo: setup
	$(BIN)/involve demo

test: setup
	scripts/test.sh

setup: $(VENV)/.installed static

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Involve needs $(PYTHON)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static: $(VENDOR)/involve.css

$(VENDOR)/involve.css: node_modules/.installed scss/involve.scss
	mkdir -p $(VENDOR)/nhsuk
	cp $(NHSUK)/nhsuk-frontend.min.js $(VENDOR)/
	cp -r $(NHSUK)/assets $(VENDOR)/nhsuk/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	npx sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps scss/involve.scss $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
