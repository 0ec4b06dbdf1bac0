"""Prediction: `fingerspell.load_model(path).predict(frames)` and the readers behind `fingerspell predict`.

A `.tflite` (or a folder holding model.tflite + inference_args.json) runs on ai-edge-litert alone:
TensorFlow is not imported. A run directory (best.npz) runs the same graph in TensorFlow.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import numpy as np

from .landmarks import (NUM_LANDMARKS, SEQUENCE_COLUMN, DataError, WideParquet, indices_for_columns, read_long,
                        table_to_landmarks)
from .vocab import decode

SIGNATURE, INPUT, OUTPUT = "serving_default", "inputs", "outputs"


def to_columns(frames: np.ndarray, columns: list[str]) -> np.ndarray:
    """-> float32 (frames, len(columns)) in `columns` order, from all 543 landmarks `(frames, 543, 3)`,
    the selected landmarks `(frames, len(columns) // 3, 3)`, or the columns themselves."""
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim == 3 and frames.shape[1:] == (NUM_LANDMARKS, 3):
        frames = frames[:, indices_for_columns(columns)]
    if frames.ndim == 3 and frames.shape[1:] == (len(columns) // 3, 3):
        return np.ascontiguousarray(frames.transpose(0, 2, 1).reshape(len(frames), -1))
    if frames.ndim == 2 and frames.shape[1] == len(columns):
        return np.ascontiguousarray(frames)
    raise ValueError(f"expected (frames, 543, 3) landmarks or (frames, {len(columns)}) columns, got {frames.shape}")


class LiteModel:
    """An exported model on the LiteRT interpreter."""

    def __init__(self, path: str | Path, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter
        path = Path(path)
        model_file = path / "model.tflite" if path.is_dir() else path
        args_file = model_file.parent / "inference_args.json"
        if not model_file.is_file() or not args_file.is_file():
            raise FileNotFoundError(f"{path}: need model.tflite with inference_args.json beside it")
        self.columns = json.loads(args_file.read_text(encoding="utf-8"))["selected_columns"]
        self.interpreter = Interpreter(model_path=str(model_file), num_threads=threads)
        signatures = self.interpreter.get_signature_list()
        if SIGNATURE not in signatures:
            raise ValueError(f"{model_file}: no {SIGNATURE!r} signature (found {list(signatures)})")
        self.runner = self.interpreter.get_signature_runner(SIGNATURE)

    def predict(self, frames) -> str:
        """Text for one sequence: (frames, 543, 3) landmarks or (frames, len(self.columns)) columns."""
        output = self.runner(**{INPUT: to_columns(frames, self.columns)})[OUTPUT]
        return decode(np.argmax(output, axis=1))


class RunModel:
    """A run directory's checkpoint, through the same graph the export bakes in (needs TensorFlow)."""

    def __init__(self, run_dir: str | Path, which: str = "best"):
        from .run import load_run
        from .export import ExportModule
        config, model, _ = load_run(run_dir, which)
        self.module = ExportModule(model, config)
        self.columns = self.module.columns

    def predict(self, frames) -> str:
        return decode(self.module.tokens(to_columns(frames, self.columns)).numpy())


def load_model(path: str | Path, threads: int = 1):
    """A `.tflite` file, an export folder, or a run directory -> an object with `predict(frames) -> str`."""
    path = Path(path)
    if path.suffix == ".tflite" or (path / "model.tflite").is_file():
        return LiteModel(path, threads)
    if (path / "best.npz").is_file():
        return RunModel(path)
    raise FileNotFoundError(f"{path}: not a .tflite, an export folder or a run directory")


def read_sequences(path: str | Path, columns: list[str], sequence_ids=None) -> Iterator[tuple[int | None, np.ndarray]]:
    """(sequence_id, (frames, len(columns)) columns) for each sequence of a landmark file.

    Kaggle wide parquet (every sequence, or those named), a single-sequence wide parquet without a
    sequence_id column, or the ISLR long layout (.csv or .parquet).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", path)
    if path.suffix == ".csv":
        yield None, to_columns(read_long(path), columns)
        return
    parquet = WideParquet(path)
    names = set(parquet.file.schema_arrow.names)
    if {"type", "landmark_index"} <= names:
        yield None, to_columns(read_long(path), columns)
        return
    missing = [c for c in columns if c not in names]
    if missing:
        raise DataError(f"not a landmark file this model can read: {len(missing)} columns missing, "
                        f"first {missing[:3]}", path)
    if SEQUENCE_COLUMN not in names:
        yield None, to_columns(table_to_landmarks(parquet._read(columns), columns), columns)
        return
    wanted = list(sequence_ids) if sequence_ids else list(parquet.sequence_index())
    for sequence_id in wanted:
        yield int(sequence_id), to_columns(parquet.read_sequence(int(sequence_id), columns), columns)

