# The two commands: `make run` (demo on http://127.0.0.1:8000) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# The demo signers' keys (`manage.py demo_pki`), which `make run` keeps for them on the server:
# they sign with the demo passphrase, without uploading a file. A deployment sets
# MINUTES_PKCS12_PATH itself; it is off by default.
DEMO_PKI_DIR = $${MINUTES_PKI_DIR:-$${VAR_DIR:-$(CURDIR)/var}/pki}

# `make test` runs against real services; these are the local defaults.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/meetings
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Parallel test workers (pytest-xdist), one per core by default. Each has its own test database
# (test_meetings_gw0, ...) and its own Redis database, numbered on from TEST_REDIS_URL's. A
# worker that runs out of tests takes some from the end of the other's queue (worksteal); the
# slow tests (servers, browsers, the task worker, child interpreters) run first and the queues
# end with short ones (tests/prebuilt.py), so that both cores finish together.
TEST_WORKERS ?= auto

# Debian packages the tests drive: headless Chromium (browser tests), poppler-utils (pdftotext,
# pdfsig), NSS tools (certutil builds the trust store pdfsig reads), fonts for PDF rendering and
# screenshots, gettext (message catalogues), the compose file and nginx configuration checkers,
# and LibreOffice (headless, without its GUI) that converts uploaded Word, OpenDocument and
# PowerPoint files to PDF, and SoftHSM2, a software PKCS#11 token the minutes' token signing is
# tested against. Installed without recommends: docker-compose would otherwise bring a
# Docker engine the tests do not need.
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu-core fontconfig gettext docker-compose nginx-light \
	libnss3-tools libreoffice-writer-nogui libreoffice-impress-nogui libreoffice-calc-nogui softhsm2
SYSTEM_COMMANDS := chromium pdftotext pdfsig certutil msgfmt fc-list docker-compose /usr/sbin/nginx soffice \
	softhsm2-util

# `make run` starts the task worker (deadlines, reminders, notices) beside the server, on the
# same SQLite database, and stops it with the server.
.PHONY: run test test-deps lint typecheck messages check-messages system-deps screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.run-deps

# The OpenID Connect provider the single sign-on tests start (tests/oidc: panva's
# oidc-provider), installed by npm from its lock file. Node.js comes from Debian only where
# there is none (a Node.js from elsewhere brings its own npm, which Debian's would conflict with).
tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	command -v npm >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error

test-deps: system-deps $(VENV)/.test-deps tests/oidc/node_modules/.package-lock.json

# DEBUG is off, as in production: an error or a missing page shows the site's own page, never
# a traceback or the list of addresses. The secret key is made once and kept in var/; cookies
# and security keys may work over the plain HTTP of 127.0.0.1 (SECURE_COOKIES=0,
# MFA_WEBAUTHN_ALLOW_HTTP=1).
run: $(VENV)/.run-deps
	mkdir -p var
	[ -s var/secret_key ] || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	export DEBUG="$${DEBUG:-0}" SECURE_COOKIES="$${SECURE_COOKIES:-0}" \
		MFA_WEBAUTHN_ALLOW_HTTP="$${MFA_WEBAUTHN_ALLOW_HTTP:-1}" \
		SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py demo_data && \
	$(BIN)/python manage.py demo_agendas && \
	$(BIN)/python manage.py demo_documents && \
	$(BIN)/python manage.py demo_consultations && \
	$(BIN)/python manage.py demo_pki && \
	{ [ -n "$${MINUTES_PKCS12_PATH+set}" ] || export MINUTES_PKCS12_PATH="$(DEMO_PKI_DIR)/{username}.p12"; } && \
	{ TASK_WORKERS=$${TASK_WORKERS:-1} $(BIN)/python manage.py qcluster & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT; \
		$(BIN)/python -m realtime.server --host $(HOST) --port $(PORT) config.asgi:application; }

system-deps:
	@missing=""; for c in $(SYSTEM_COMMANDS); do command -v $$c >/dev/null || missing=1; done; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing=1; \
	if [ -n "$$missing" ]; then \
		echo "Installing $(SYSTEM_PACKAGES) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	fi

# lint-imports checks that imports run one way between the floors (docs/architecture.md).
lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

typecheck: $(VENV)/.test-deps
	$(BIN)/mypy .

messages: $(VENV)/.test-deps
	$(BIN)/python manage.py makemessages --locale vi --no-obsolete --ignore '$(VENV)/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --locale vi

# The compiled catalogue is committed so that `make run` needs no gettext; it must match the source.
check-messages: system-deps
	@msgfmt --check-format -o /tmp/meetings-vi.mo locale/vi/LC_MESSAGES/django.po
	@cmp -s /tmp/meetings-vi.mo locale/vi/LC_MESSAGES/django.mo || \
		{ echo "locale/vi/LC_MESSAGES/django.mo is out of date: run 'make messages'"; exit 1; }

test: test-deps check-messages lint typecheck
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Regenerates the README screenshots in headless Chromium (and the minutes' first page with
# poppler's pdftoppm).
screenshots: system-deps $(VENV)/.test-deps
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -m "browser or screenshot" $(PYTEST_ARGS)

# The realtime, voting, documents and minutes benchmarks (minutes, not part of `make test`);
# docs/PERFORMANCE.md records them.
bench: $(VENV)/.test-deps
	$(BIN)/python bench/fanout.py latency
	$(BIN)/python bench/fanout.py sustained
	$(BIN)/python bench/fanout.py storm
	$(BIN)/python bench/fanout.py service --events 200
	$(BIN)/python bench/voting.py burst
	$(BIN)/python bench/voting.py close
	$(BIN)/python bench/documents.py watermark
	$(BIN)/python bench/documents.py packet
	$(BIN)/python bench/documents.py packet --images
	$(BIN)/python bench/minutes.py

clean:
	rm -rf $(VENV) var
