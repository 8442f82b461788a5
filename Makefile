# The two commands a newcomer needs (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run demo serve test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# Compile the bot's modules once, as pip does for what it installs: a restarted replica
	# then starts without compiling them again (PYTHONDONTWRITEBYTECODE stops the cache).
	$(PY) -m compileall -q bot db messages migrations
	touch $@

# Serve the bot on SQLite when Slack credentials are set (environment or .env); otherwise
# run the demo against local stand-ins and say how to connect a workspace.
run: $(VENV)/.installed
	$(PY) -m bot migrate
	@if $(PY) -c "import sys; from bot.config import load_settings as l; s = l(); sys.exit(0 if s.slack_bot_token and s.slack_signing_secret else 1)"; then \
		$(PY) -m bot serve; \
	else \
		echo "No SLACK_BOT_TOKEN/SLACK_SIGNING_SECRET set: running the demo instead (see README, 'Connect a workspace')."; \
		$(PY) -m bot demo; \
	fi

demo: $(VENV)/.installed
	$(PY) -m bot demo

serve: $(VENV)/.installed
	$(PY) -m bot migrate
	$(PY) -m bot serve

TEST_WORKERS ?= 2

# Every test, on SQLite and on the Postgres at TEST_DATABASE_URL: TEST_WORKERS at a time
# (pytest-xdist; each worker empties a database of its own, `<db>_gw0`...), then the few
# marked `alone` by themselves (one restarts Postgres, one is a load test). pytest exits 5
# when it ran no test, which fails the run like any other non-zero exit.
test: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(PY) -m pytest -q -n $(TEST_WORKERS) -m 'not alone'
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(PY) -m pytest -q -m alone

bench: $(VENV)/.installed
	$(PY) -m bench
