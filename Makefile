# The two commands a new user needs: `make run` and `make test`.
# Everything else here is what those two are made of.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
HOST   ?= 127.0.0.1
PORT   ?= 8000
LOCALES  := resale/locale
CATALOGS := $(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po)

.PHONY: run test lint typecheck pytest install install-dev clean lock catalogs i18n

run: $(VENV)/.installed
	$(BIN)/resale db upgrade
	$(BIN)/resale seed --if-empty
	$(BIN)/resale train --if-missing
	$(BIN)/resale serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "Python 3.11 is needed; $(PYTHON) is $$($(PYTHON) --version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Installs are pinned by constraints.txt so a fresh clone gets what CI tested;
# the install compiles the translations (the .mo files are built, never committed).
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml constraints.txt $(CATALOGS)
	$(PIP) install -c constraints.txt -e .
	$(BIN)/pybabel compile -d $(LOCALES) -D messages
	@touch $@

# Compile the translations again after editing a .po file.
catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile -d $(LOCALES) -D messages

# After adding or changing strings shown to people: extract them from the code and the
# templates, and update each language's catalog (then translate what is new and empty).
i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output \
		--project resale --copyright-holder "resale contributors" -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALES) -D messages

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e '.[dev]'
	@touch $@

# Re-pin after changing dependencies in pyproject.toml.
lock: $(VENV)/bin/python
	$(PIP) install -U -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache tests/e2e/artifacts
