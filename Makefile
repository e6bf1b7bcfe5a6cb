# The two commands a newcomer needs: `make demo` and `make test`. Each installs what is missing first
# (Debian packages, then the Python environment in .venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_ARGS ?=
BENCH_ARGS ?=

# The browser tests drive Debian's chromium (scripts/install-system.sh): Playwright never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: demo test test-slow bench-acks check fmt protos system services venv bench clean

demo: venv
	$(PY) -m broker demo $(DEMO_ARGS)

# Benchmarks (issue 5): a table, and JSON in bench/results/. `make bench BENCH_ARGS=--quick` for a first look.
bench: venv services
	$(PY) -m bench $(BENCH_ARGS)

# What waiting for a Redis replica (JJJ_REDIS_MIN_REPLICAS_ACK=1) costs each durable write, off and on, in one run.
bench-acks: venv
	$(PY) scripts/replica_ack_cost.py $(BENCH_ARGS)

test: venv services check
	$(PY) -m pytest $(PYTEST_ARGS)

# The long process-level tests (marker `slow`, left out of `make test`): a Redis master killed under load while
# Sentinel fails over, with one replica and with two (about two minutes). They print their figures.
test-slow: venv services
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate protos/credit/v2/*_pb2*.py from the .proto sources (tests fail when they are stale).
protos: venv
	$(PY) -m protos.generate

system:
	@scripts/install-system.sh

services: system
	@scripts/ensure-services.sh

venv: system $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@
	@# The report PDF's pre-subset CJK font, built once per machine (~30 s) into ~/.cache/jjj/fonts.
	$(PY) -m broker.pdf.fonts

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
