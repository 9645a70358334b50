# Involve: the two commands a person needs are `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/involve/core/static/vendor
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk

LOCK := requirements/lock.txt

.PHONY: demo test setup static lint lock clean

demo: setup
	$(BIN)/involve demo

test: setup
	scripts/test.sh

setup: $(VENV)/.installed static

# The exact versions (with their hashes) from the lock, then Involve itself on top of them.
$(VENV)/.installed: $(LOCK) pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Involve needs $(PYTHON)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Resolve pyproject.toml's runtime and test dependencies for the virtualenv's Python into the lock,
# keeping the versions already pinned where they still fit (`make lock UPGRADE=1`: newest of all).
# Commit the result; tests/project/test_toolchain.py fails while the two disagree.
lock:
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/pip-compile || $(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet $(if $(UPGRADE),--upgrade) --extra test --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

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
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
