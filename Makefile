# Two commands on a fresh machine: `make demo` (the main job on the embedded synthetic default)
# and `make test`. Both create the virtual environment in .venv on first use and reuse it after.
# The tests also build .venv-video: MediaPipe 0.10.21 (offline Holistic) needs numpy < 2, so video
# extraction runs in that second environment and the main one stays on TensorFlow 2.21 / numpy 2.
PYTHON ?= python3
VENV ?= .venv
VIDEO_VENV ?= .venv-video
WEB_DIR ?= .web
BIN = $(VENV)/bin

.PHONY: demo test bench install video-env web-env model clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[cpu,dev,web]"
	touch $@

$(VIDEO_VENV)/.installed: $(BIN)/.installed src/fingerspell/video/extract.py
	$(BIN)/fingerspell setup-video --env $(VIDEO_VENV)
	touch $@

# the live page's pinned assets (MediaPipe, onnxruntime-web from the npm registry, integrity-checked)
$(WEB_DIR)/.installed: $(BIN)/.installed src/fingerspell/live/assets.py
	$(BIN)/fingerspell setup-web --dir $(WEB_DIR)
	touch $@

install: $(BIN)/.installed

video-env: $(VIDEO_VENV)/.installed

web-env: $(WEB_DIR)/.installed

demo: $(BIN)/.installed
	$(BIN)/fingerspell demo --out out/demo

test: $(BIN)/.installed $(VIDEO_VENV)/.installed $(WEB_DIR)/.installed
	FINGERSPELL_VIDEO_PYTHON=$(abspath $(VIDEO_VENV))/bin/python FINGERSPELL_WEB_DIR=$(abspath $(WEB_DIR)) \
		$(BIN)/python -m pytest -q --durations=15

# the bundled model (src/fingerspell/assets/model): synthetic data only; 24 minutes on 2 cores (2026-12-01)
model: $(BIN)/.installed
	$(BIN)/python tools/train_release.py

bench: $(BIN)/.installed
	$(BIN)/python bench/convert.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/inference.py

clean:
	rm -rf $(VENV) $(VIDEO_VENV) $(WEB_DIR) out
