# From a fresh clone: `make run` (the bot, or a terminal chat on sample articles) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where the torch wheel comes from. Empty: PyPI (its Linux x86_64 wheel of torch 2.13.0
# works here). On a machine where PyPI would bring a CUDA build, use the CPU-only index:
#   make install TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
TORCH_INDEX_URL ?=
TORCH_INDEX := $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL),)

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt $(TORCH_INDEX) torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[llm,bench,dev]"
	touch $(STAMP)

run: install
	$(BIN)/newsbot run

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check bot retrieval tests bench
	$(BIN)/ruff format --check bot retrieval tests bench
	$(BIN)/mypy bot retrieval
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/compare.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
