"""What an export is, under the competition's contract: the one place its file and signature names live.

    OUT/model.tflite                         signature `serving_default`: `inputs` float32 [frames, columns]
                                             -> `outputs` float32 [characters read, 59]
    OUT/inference_args.json                  {"selected_columns": [...]}: which Kaggle columns, in order
    OUT/character_to_prediction_index.json   the 59 characters
"""
from __future__ import annotations

import json
from pathlib import Path

from fingerspell.vocab import CHARACTER_MAP_FILE  # noqa: F401  (one of the export's files)

MODEL_FILE = "model.tflite"
ARGS_FILE = "inference_args.json"
ONNX_FILE = "model.onnx"  # the live page's conversion (export/onnx.py)
SIGNATURE, INPUT, OUTPUT = "serving_default", "inputs", "outputs"
COLUMNS_KEY = "selected_columns"
MAX_SIZE_BYTES = 40 * 1024 * 1024  # the competition's limit


def model_file(path: str | Path) -> Path:
    """An export folder or its model file -> the model file."""
    path = Path(path)
    return path / MODEL_FILE if path.is_dir() else path


def is_export(path: str | Path) -> bool:
    """A `.tflite` file, or a folder holding model.tflite."""
    path = Path(path)
    return path.suffix == ".tflite" or (path / MODEL_FILE).is_file()


def read_columns(args_file: str | Path) -> list[str]:
    """The column list of an inference_args.json."""
    return json.loads(Path(args_file).read_text(encoding="utf-8"))[COLUMNS_KEY]


def write_args(out: Path, columns: list[str]) -> None:
    (out / ARGS_FILE).write_text(json.dumps({COLUMNS_KEY: list(columns)}), encoding="utf-8")
