# Two commands on a fresh machine: `make demo` (the bundled model reads new synthetic signers) and
# `make test`. Each installs only what it uses into .venv, on first use: the demo reads with an exported
# model and needs no TensorFlow (`pip install -e .`); training, the tests and the live page's conversion
# add the `cpu`, `dev` and `web` extras. The tests also build .venv-video: MediaPipe 0.10.21 (offline
# Holistic) needs numpy < 2, so video extraction runs in that second environment.
PYTHON ?= python3
VENV ?= .venv
VIDEO_VENV ?= .venv-video
WEB_DIR ?= .web
BIN = $(VENV)/bin

.PHONY: demo test test-fast bench install install-read video-env web-env model clean

# reading only: numpy, pandas, pyarrow, LiteRT, matplotlib (what `make demo` needs)
# (--no-compile: Python compiles what it imports on first use; compiling every installed module up front
# took half of the install's 22 s here)
$(BIN)/.installed-read: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile -e .
	touch $@

# everything else: TensorFlow (training, export), pytest and Playwright, the live page's ONNX conversion
$(BIN)/.installed: $(BIN)/.installed-read
	$(BIN)/pip install --quiet --no-compile -e ".[cpu,dev,web]"
	touch $@

$(VIDEO_VENV)/.installed: $(BIN)/.installed src/fingerspell/video/extract.py
	$(BIN)/fingerspell setup-video --env $(VIDEO_VENV)
	touch $@

# the live page's pinned assets (MediaPipe, onnxruntime-web from the npm registry, integrity-checked)
$(WEB_DIR)/.installed: $(BIN)/.installed src/fingerspell/live/assets.py
	$(BIN)/fingerspell setup-web --dir $(WEB_DIR)
	touch $@

install: $(BIN)/.installed

install-read: $(BIN)/.installed-read

video-env: $(VIDEO_VENV)/.installed

web-env: $(WEB_DIR)/.installed

demo: $(BIN)/.installed-read
	$(BIN)/fingerspell demo --out out/demo

# everything, CI's run: the browser, MediaPipe and the tests that train for a minute
test: $(BIN)/.installed $(VIDEO_VENV)/.installed $(WEB_DIR)/.installed
	FINGERSPELL_VIDEO_PYTHON=$(abspath $(VIDEO_VENV))/bin/python FINGERSPELL_WEB_DIR=$(abspath $(WEB_DIR)) \
		$(BIN)/python -m pytest -q --durations=15

# the quick loop while changing a module: no browser, no MediaPipe, no test that trains for more than seconds
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m "not slow and not browser and not video" --durations=5

# the bundled model (src/fingerspell/assets/model): synthetic data only; 42 minutes on 2 cores (2026-12-06)
model: $(BIN)/.installed
	$(BIN)/python tools/train_release.py

# Benchmarks: each run appends one line to bench/results.jsonl; `make bench-latest` prints each bench's latest.
# `make bench` runs the short ones (a few minutes each on 2 cores) and lists the rest; `make bench BENCH_LONG=1`
# also runs the long ones, which train models (10 minutes and more each; scale at full size takes hours).
BENCH_SHORT = convert frame_rate onset pipeline train_step
BENCH_LONG_RUNS = accuracy inference bundled real_letters scale
.PHONY: bench-latest
bench: $(BIN)/.installed
	@set -e; for name in $(BENCH_SHORT) $(if $(BENCH_LONG),$(BENCH_LONG_RUNS)); do \
		echo "== python bench/$$name.py"; $(BIN)/python bench/$$name.py; done
	@if [ -z "$(BENCH_LONG)" ]; then \
		echo "not run, long (make bench BENCH_LONG=1 runs them in this order, or run them by hand):"; \
		echo "  python bench/accuracy.py       # ctc and seq2seq, 10 minutes of training each"; \
		echo "  python bench/inference.py      # the exports of accuracy.py's two runs"; \
		echo "  python bench/bundled.py        # trains the 10-minute demo model"; \
		echo "  python bench/real_letters.py   # four models, 10 minutes each"; \
		echo "  python bench/scale.py          # the real corpus size: hours, about 55 GB of disk"; \
	fi
	@echo "not run, need another environment:"
	@echo "  python bench/live.py                               # make web-env, Debian's chromium"
	@echo "  python bench/decoding.py                           # Debian's chromium (the page's decoder timing)"
	@echo "  .venv-video/bin/python bench/holistic_workers.py   # make video-env"

bench-latest: $(BIN)/.installed
	$(BIN)/python bench/latest.py

clean:
	rm -rf $(VENV) $(VIDEO_VENV) $(WEB_DIR) out
