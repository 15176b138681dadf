# InnoCore: the two commands of the README, and their parts.
#   make demo   install and start the platform with demo data on SQLite (http://127.0.0.1:5000)
#   make test   install and run lint + the whole test suite (SQLite, then PostgreSQL if reachable)

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql://root@127.0.0.1:5432/test
PYTEST_ARGS ?=
# The passes keep Python's bytecode caches (__pycache__, ignored by git) even where the environment
# sets PYTHONDONTWRITEBYTECODE: otherwise the collection (assertion rewriting) and every server
# worker, job and scheduler process compile the sources again (the collection alone: 2x the CPU).
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest

.PHONY: demo test install install-demo lint test-sqlite test-postgres browser-deps readers messages catalog-stats

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install-demo: $(VENV)/bin/python
	$(PY) -m pip install -q -e .

install: $(VENV)/bin/python
	$(PY) -m pip install -q -e ".[test]"

demo: install-demo
	$(VENV)/bin/flask --app wsgi innocore demo --serve

# Languages (docs/translations.md). `make messages` extracts every marked string of the Python
# sources and templates into innocore/translations/messages.pot and merges it into each catalog
# (innocore/translations/<lang>/LC_MESSAGES/messages.po); the app compiles the catalogs itself at
# start (innocore/i18n.py). `make catalog-stats` counts translated, fuzzy and untranslated entries.
LANGS := en it pt es cs
BABEL_KEYWORDS := -k _l -k lazy_gettext -k N_ -k T_ -k lazy_ngettext:1,2 -k TN_:1,2
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --sort-by-file --no-wrap \
		--project=InnoCore --copyright-holder="InnoCore contributors" \
		-o innocore/translations/messages.pot .
	@for lang in $(LANGS); do \
		po=innocore/translations/$$lang/LC_MESSAGES/messages.po; \
		if [ -f $$po ]; then \
			$(VENV)/bin/pybabel update -i innocore/translations/messages.pot -d innocore/translations -l $$lang --no-wrap --ignore-obsolete --no-fuzzy-matching; \
		else \
			$(VENV)/bin/pybabel init -i innocore/translations/messages.pot -d innocore/translations -l $$lang --no-wrap; \
		fi; \
	done

catalog-stats: install
	@for lang in $(LANGS); do \
		$(VENV)/bin/pybabel compile --statistics -l $$lang -o /dev/null \
			-i innocore/translations/$$lang/LC_MESSAGES/messages.po 2>&1 | grep -v '^compiling'; \
	done

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Browser journeys use Debian's chromium (never a downloaded browser). As root on Debian/Ubuntu we
# install it; elsewhere the journeys are skipped with a reason (and fail under CI=true).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# Outside readers the suite checks our output with: khal (Debian) for iCalendar feeds, xmlsec1
# (Debian; SAML signatures, also needed in production for SAML sign-in), and from npm
# ical.js (Thunderbird's parser) and axe-core (accessibility rules) into tests/js/node_modules.
# Missing ones are skipped locally with a reason, and fail under CI=true.
readers:
	@if ! command -v khal >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq khal >/dev/null; \
	fi
	@if ! command -v xmlsec1 >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; \
	fi
	@if command -v npm >/dev/null && { [ ! -d tests/js/node_modules/ical.js ] || [ ! -d tests/js/node_modules/axe-core ]; }; then \
		npm ci --prefix tests/js --no-audit --no-fund --silent || echo "npm ci failed: ical.js/axe-core tests will skip"; \
	fi

test-sqlite: install browser-deps readers
	$(PYTEST) -q $(PYTEST_ARGS)

test-postgres: install readers
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL: $(PG_TEST_URL) =="; \
		INNOCORE_TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST) -q $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_TEST_URL): skipping the PostgreSQL pass."; \
	fi

# The two database passes run side by side (most of their time is spent waiting on servers,
# schedulers and browsers they start); each one's output is printed whole when it ends.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
