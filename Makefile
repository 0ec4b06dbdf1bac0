# Two commands on a fresh machine: `make demo` (the main job on the embedded synthetic default)
# and `make test`. Both create the virtual environment in .venv on first use and reuse it after.
# The tests also build .venv-video: MediaPipe 0.10.21 (offline Holistic) needs numpy < 2, so video
# extraction runs in that second environment and the main one stays on TensorFlow 2.21 / numpy 2.
PYTHON ?= python3
VENV ?= .venv
VIDEO_VENV ?= .venv-video
BIN = $(VENV)/bin

.PHONY: demo test bench install video-env model clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[cpu,dev]"
	touch $@

$(VIDEO_VENV)/.installed: $(BIN)/.installed src/fingerspell/extract.py
	$(BIN)/fingerspell setup-video --env $(VIDEO_VENV)
	touch $@

install: $(BIN)/.installed

video-env: $(VIDEO_VENV)/.installed

demo: $(BIN)/.installed
	$(BIN)/fingerspell demo --out out/demo

test: $(BIN)/.installed $(VIDEO_VENV)/.installed
	FINGERSPELL_VIDEO_PYTHON=$(abspath $(VIDEO_VENV))/bin/python $(BIN)/python -m pytest -q --durations=15

# the bundled model (src/fingerspell/assets/model): synthetic data only; 24 minutes on 2 cores (2026-12-01)
model: $(BIN)/.installed
	$(BIN)/python tools/train_release.py

bench: $(BIN)/.installed
	$(BIN)/python bench/convert.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/inference.py

clean:
	rm -rf $(VENV) $(VIDEO_VENV) out
