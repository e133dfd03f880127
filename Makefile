# The targets behind the README's two commands. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One BLAS/OpenMP/PoCL thread: timings and test durations stay stable on a loaded 2-core machine.
PIN := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 POCL_MAX_PTHREAD_COUNT=1

.PHONY: demo test bench clean

$(VENV)/.installed-%: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$*]"
	touch $@

demo: $(VENV)/.installed-plot
	$(PIN) $(VENV)/bin/tensorlite demo

# The whole suite twice: on the NumPy backend, then with OpenCL as the default device (PoCL on
# machines without a GPU). Tests that compare two devices explicitly run once, in the first pass.
# Both passes share a fresh PoCL kernel cache (unless POCL_CACHE_DIR is given): a ~/.cache/pocl
# left stale by a crashed run cannot fail them.
test: $(VENV)/.installed-test
	fresh=$$(mktemp -d) && export POCL_CACHE_DIR="$${POCL_CACHE_DIR:-$$fresh}" \
	  && $(PIN) $(PY) -m pytest tests -p no:cacheprovider $(PYTEST_ARGS) \
	  && $(PIN) TENSORLITE_DEVICE=opencl $(PY) -m pytest tests -p no:cacheprovider -m "not backend_pair" $(PYTEST_ARGS); \
	  status=$$?; rm -rf "$$fresh"; exit $$status

bench: $(VENV)/.installed-test
	$(PIN) $(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .hypothesis build *.egg-info
