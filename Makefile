# The two commands of the README:
#   make run    set up .venv and start the app on http://127.0.0.1:5000
#   make test   set up .venv (with test tools) and run the tests
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test test-fast setup setup-dev smoke-train benchmark screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"

# Serving (make run) installs requirements.txt only: no torch, Keras or gensim. The tests also train
# (smoke runs), so make test adds requirements-train.txt through requirements-dev.txt.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements-train.txt requirements-ray.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core, which the browser tests run inside each page (tests/test_browser_layout.py), from npm,
# pinned; without npm the tests say so and skip, except under CI (.ci/run installs npm).
AXE_VERSION := 4.14.1
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js
$(AXE): | $(PY)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_VERSION); \
	else echo "npm not found: axe-core not installed, so the accessibility tests will skip"; fi

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev $(AXE)

run: setup
	$(PY) main.py serve

test: setup-dev
	$(PY) -m pytest -q

# Day-to-day lane (about 2 minutes): no browser, real corpora, PostgreSQL, fuzzing, servers or training runs.
test-fast: setup-dev
	$(PY) -m pytest -q -m "not (browser or data or postgres or fuzz or slow)"

smoke-train: setup-dev
	$(PY) -m library.text.train --smoke --out tmp/smoke-text
	$(PY) -m library.text.train --v1 personality --smoke --out tmp/smoke-text-personality
	$(PY) -m library.text.train --v1 emotion --smoke --out tmp/smoke-text-emotion
	$(PY) -m library.video.train --smoke --out tmp/smoke-video
	$(PY) -m library.audio.train --smoke --out tmp/smoke-audio

# Prints the figures and keeps them, with the machine and versions, in benchmarks/reports/DATE-COMMIT-*.md.
benchmark: setup-dev
	$(PY) benchmarks/report.py text video audio

# Every page at a phone's size (390x844) and a laptop's (1280x900), filled with real results, into
# tmp/screenshots/ (open index.html there); prints each page's width and any axe-core finding.
screenshots: setup-dev
	$(PY) tests/gallery.py --out tmp/screenshots

clean:
	rm -rf $(VENV) tmp/smoke-* .pytest_cache
