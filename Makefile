# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test fuzz lint format bench run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	# An editable install is not byte-compiled: without this, where PYTHONDONTWRITEBYTECODE is
	# set, every `wipbot` command compiles its own modules again (60 ms of `wipbot po status`).
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f demo.db demo.db-wal demo.db-shm
	DATABASE_URL=sqlite+aiosqlite:///./demo.db $(BIN)/wipbot demo

# One worker per core: each has its own SQLite files and PostgreSQL databases (tests/conftest.py).
test: $(STAMP)
	$(BIN)/pytest --numprocesses=auto

# The fuzz tests with many more examples each (CI nightly); `make test` runs them briefly.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=nightly $(BIN)/pytest -m fuzz

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

run: $(STAMP)
	$(BIN)/wipbot run

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm
