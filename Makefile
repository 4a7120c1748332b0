# Two commands do all the set-up on a fresh machine:
#   make build   builds the example site (content/) into _site/
#   make test    runs the test suite (unit, build-output and real-browser tests)
# Each installs what it needs: a virtualenv in .venv (sitegen + TensorFlow), the pinned npm
# packages (into sitegen's cache, on the first build) and, for the tests, Debian's chromium.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sitegen-installed

.PHONY: build test serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[ml,test]" "mlxtend==0.23.4"
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/sitegen build content --output _site

serve: $(STAMP)
	$(BIN)/sitegen serve content --output _site

test: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/python bench/bench_sprite.py
	$(BIN)/python bench/bench_widgets.py
	$(BIN)/python bench/bench_time_to_accuracy.py

clean:
	rm -rf _site content/.sitegen-cache
