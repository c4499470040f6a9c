# Two commands do everything on a fresh machine with Python 3 (3.11 to 3.13) and make:
#   make book   build the HTML book into _build/html
#   make test   run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# Python keeps compiled code in __pycache__ (git ignores it). Some machines set PYTHONDONTWRITEBYTECODE,
# and then pytest rewrites every test module again in each run and worker (3.4 s of each worker's start).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: book book-student pdf test test-fast check clean lock bench lighthouse serve linkcheck datatables

# The supported Pythons are stated once, in pyproject.toml (requires-python); tools/check_python.py
# refuses any other before a virtual environment is made.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || command -v $(PYTHON) >/dev/null || \
	  { echo "make: no '$(PYTHON)' on this machine; pick a Python 3.11 to 3.13, e.g. make book PYTHON=python3.12" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) tools/check_python.py $(PYTHON)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test,serve]"
	touch $(STAMP)

book: $(STAMP)  ## validate data/ and references.bib, then build the HTML into _build/html
	$(BIN)/python -m helpers.build

book-student: $(STAMP)  ## the same book without the exercises' solutions, into _build/student (for a class)
	$(BIN)/python -m helpers.build --student

pdf: $(STAMP)  ## the whole book as one typeset PDF, _build/pdf/book.pdf (needs TeX: see the README); make book then offers it
	$(BIN)/python -m helpers.build --pdf

# worksteal: a worker that runs out of tests takes half of another's queue, so the run does not end
# with one worker idle while the other works through the long build tests alone (92 s of 697 s).
XDIST := -n auto --dist worksteal

test: $(STAMP)  ## run every test, in parallel on every core (includes building temporary copies of the book)
	$(BIN)/python -m pytest $(XDIST)

test-fast: $(STAMP)  ## the edit loop: all but the whole-book, browser and environment-installing tests
	$(BIN)/python -m pytest $(XDIST) -m "not book and not env"

check: $(STAMP)  ## validate data/ and references.bib only (seconds)
	$(BIN)/python -m helpers.validate

serve: $(STAMP)  ## live preview while writing: http://127.0.0.1:8000, rebuilt on every save
	$(BIN)/python -m helpers.serve --port 8000

linkcheck: $(STAMP)  ## check every external link with Sphinx's linkcheck (needs the internet)
	$(BIN)/jupyter-book build . --builder linkcheck --path-output _build/linkcheck

bench: $(STAMP)  ## time stock Jupyter Book 1 against this build (minutes); writes benchmarks/README.md
	$(BIN)/python benchmarks/rebuild.py --repeat 3 --write benchmarks/README.md

# STOCK=<folder of a stock Jupyter Book 1 build's html> adds stock's figures for the same pages.
lighthouse: book  ## phone-speed figures of every page (Lighthouse mobile preset; needs node, npm, chromium)
	$(BIN)/python benchmarks/lighthouse.py --site _build/html $(if $(STOCK),--stock $(STOCK)) --write benchmarks/README.md

datatables: $(STAMP)  ## rebuild the explorer's DataTables bundle from npm at the versions pinned in src/helpers/static/datatables (needs node, npm)
	$(BIN)/python -m helpers.datatables

clean:  ## remove built output and the execution cache (keeps .venv)
	rm -rf _build

lock:  ## re-resolve the dependency stack and rewrite requirements.lock (commit the result)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,serve,binder]"
	.lock-venv/bin/python -m pip freeze --exclude-editable --exclude vlm-synthetic-survey > requirements.lock
	rm -rf .lock-venv
