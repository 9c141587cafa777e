# fair — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := chromium chromium-driver redis-server postgresql-15 docker-compose wrk nginx-light

.PHONY: run test install install-test system-deps lint typecheck pytest bench clean lock

run: $(STAMP)
	$(BIN)/fair demo

# Installs exactly what requirements.lock names (versions and hashes), then fair itself.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refresh requirements.lock after changing dependencies in pyproject.toml (needs PyPI).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet pip-tools
	.lock-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --extra test \
	  --output-file requirements.lock pyproject.toml
	rm -rf .lock-venv

install: $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

install-test: system-deps $(STAMP) node_modules/axe-core/axe.min.js

lint: $(STAMP)
	$(BIN)/ruff check fair booths sessions tests bench
	$(BIN)/ruff format --check fair booths sessions tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Most tests wait on servers, browsers and clocks rather than on the CPU, so they run in
# parallel workers; the few that judge frame rates or timing run first, one at a time.
TEST_WORKERS ?= 3
pytest: install-test
	@status=0; \
	$(BIN)/python -m pytest -q -p no:cacheprovider -m alone || status=$$?; \
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not alone" \
	  -n $(TEST_WORKERS) --dist worksteal || status=$$?; \
	exit $$status

test: install-test lint typecheck pytest

bench: $(STAMP)
	@echo "Benchmarks run by hand, one at a time, on a quiet machine (see docs/benchmarks.md):"
	@echo "  $(BIN)/python bench/live_fanout.py --counts 1,10,50,100,200"
	@echo "  $(BIN)/python bench/chat_fanout.py run --clients 550 2000 5000"
	@echo "  $(BIN)/python -m bench.upload_app"
	@echo "  $(BIN)/python -m bench.upload_s3 --size-mb 1024"

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

# hls.js for the live player is vendored (static/vendor/hls.js, Apache-2.0, no CDN);
# `make vendor-hls` refreshes it from the npm package pinned in package-lock.json.
vendor-hls: node_modules/axe-core/axe.min.js
	cp node_modules/hls.js/dist/hls.light.min.mjs node_modules/hls.js/LICENSE static/vendor/hls.js/
