# Every target builds or refreshes the local virtual environment first, so a fresh clone needs
# nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test test-fast check demo lab bench browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,test]"
	touch $(STAMP)

# The browser test drives Debian's chromium (Playwright downloads no browser of its own).
browser:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

# Every core (pytest-xdist): each worker runs an emulator of its own, and the tests that share a module's
# fixtures stay on one worker. WORKERS=0 runs the tests in this process, one at a time.
WORKERS ?= auto

# Every test: the browser and the notebooks too.
test: $(STAMP) browser
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

# The inner loop: the tests that start no server (no emulator, browser or notebook), fewer property examples.
test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest --offline -n $(WORKERS) --dist loadgroup -q

# Lint, format, types and the docstrings' examples: the habits every change keeps.
check: $(STAMP)
	$(BIN)/ruff check opus_nb tests bench data-samples
	$(BIN)/ruff format --check opus_nb tests bench data-samples
	$(BIN)/mypy
	$(BIN)/python -m pytest --doctest-modules opus_nb -q -p no:cacheprovider

demo: $(STAMP)
	$(BIN)/opus-nb demo

# JupyterLab on 127.0.0.1 in notebooks/, with an emulator running and the OPUS_* variables set.
lab: $(STAMP)
	$(BIN)/opus-nb lab

bench: $(STAMP)
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/main_path.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/due.py
	$(BIN)/python bench/review.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache
