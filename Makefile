# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_DEBUG ?= true

.PHONY: run test system-run system-test install install-dev migrate seed lint messages check-migrations clean
# In the order written: the system packages are checked before anything else is done.
.NOTPARALLEL:

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements-dev.txt requirements.txt $(BIN)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Debian packages: installed when missing and this user may (scripts/system-packages).
system-run:
	@sh scripts/system-packages run
system-test:
	@sh scripts/system-packages test

## Set up the venv, migrate SQLite, seed the demo and serve on http://127.0.0.1:8000
# Without Django's development-server warning, the address is the last thing printed.
run: system-run seed
	DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py runserver 127.0.0.1:8000

## Install the dev requirements and run the whole test suite (browser tests included)
test: system-test install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: install-dev
	$(BIN)/python scripts/i18n.py update

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
