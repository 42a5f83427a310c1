# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv first.
# `make docs` builds the docs site into site/ (`make test` does too, --strict: a broken link fails).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= runs/demo
# one world for every target, made with instance masks (the object models' validation measures
# object discovery against them; the label-free and pixel models never read them)
DEMO_DATA ?= data/demo

.PHONY: setup demo pixel long objects test docs lint clean

setup: $(STAMP)

# torch first and pinned: a bare `torch` requirement would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check physpred tests benchmarks
	$(BIN)/python -m pytest -q tests
	$(BIN)/python -m pytest -q --nbmake notebooks
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The object model WITHOUT labels at the demo's budget (configs/objects_foreground.yaml +
# configs/objects_demo.yaml; about 19 min on 2 cores, set-up included) into runs/demo.
demo: $(STAMP)
	DEMO_DIR=$(DEMO_DIR) DEMO_DATA=$(DEMO_DATA) PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# The pixel track's demo recipe, the baseline (configs/demo.yaml, about 15 min) into runs/pixel.
pixel: $(STAMP)
	DEMO_DIR=runs/pixel DEMO_DATA=$(DEMO_DATA) RECIPE=configs/demo.yaml PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# The pixel track's longer CPU recipe (about 80 min on 2 cores) through the same steps.
long: $(STAMP)
	DEMO_DIR=runs/long_cpu DEMO_DATA=$(DEMO_DATA) RECIPE="configs/demo.yaml configs/long_cpu.yaml" \
		PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# The object model WITH the world's masks (PLATO's setting, the upper bound; about 12 min of
# training) into runs/objects_masks. `make demo` prints its test table beside its own when this
# run is there.
objects: $(STAMP)
	DEMO_DIR=runs/objects_masks DEMO_DATA=$(DEMO_DATA) RECIPE=configs/objects_masks.yaml \
		PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check physpred tests benchmarks

clean:
	rm -rf $(VENV) runs site .cache .pytest_cache
