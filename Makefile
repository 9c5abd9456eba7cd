# The two commands a new machine needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint typecheck imports pytest diagrams graphviz chromium postgres bench mutate clean screenshots

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The main job: simulated checkouts through the simulator, the client and the webhook app,
# on a SQLite store of its own (orderstate-demo.db in this directory, fresh at every run).
demo: install
	$(BIN)/orderstate demo

test: install graphviz chromium postgres lint typecheck imports pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy cannot see setuptools' editable finder, so give it the installed layout as links.
typecheck: install
	mkdir -p .typecheck/orderstate
	ln -sfn ../../engine .typecheck/orderstate/engine
	ln -sfn ../../adapters .typecheck/orderstate/adapters
	ln -sfn ../../testing .typecheck/orderstate/testing
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

# Graphviz renders docs/lifecycle.svg; Debian's package is the one dependency outside PyPI.
graphviz:
	@command -v dot >/dev/null || { apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; }

# The console's browser tests drive Debian's chromium through Playwright (whose own browser
# download does not work here); like Graphviz, it comes from Debian's packages.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The console's screenshots in docs/ (docs/console-*.png), taken in chromium over test data.
screenshots: install graphviz chromium
	$(BIN)/python tools/console_screenshots.py docs

# The PostgreSQL tests need the local server; start it if it is installed but not running.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start 2>/dev/null || \
	  echo "PostgreSQL is not available here; its tests will skip (or fail under CI=true)"

diagrams: install graphviz
	$(BIN)/python -m orderstate.adapters.docgen.diagrams docs

bench: install
	$(BIN)/python bench/engine.py

# Mutation testing of the engine and the Vertex translator (slow: not part of `make test`).
# Installs its own pinned tester (the [mutate] extra); see docs/testing.md.
MUTATE_STAMP := $(VENV)/.mutate-stamp

$(MUTATE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,mutate]'
	touch $@

mutate: $(MUTATE_STAMP)
	$(BIN)/python tools/mutate.py

clean:
	rm -rf $(VENV) .typecheck build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
