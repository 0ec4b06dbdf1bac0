"""Prediction: `fingerspell.load_model(path).predict(frames)` and the readers behind `fingerspell predict`.

A `.tflite` (or a folder holding model.tflite + inference_args.json) runs on ai-edge-litert alone:
TensorFlow is not imported. A run directory (its best/ checkpoint) runs the same graph in TensorFlow. With no path,
the model bundled in the package (assets/model, trained on synthetic data only: see its model.json).
"""
from __future__ import annotations

import json

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from fingerspell.export import artifact
from fingerspell.export.artifact import ARGS_FILE, INPUT, MODEL_FILE, OUTPUT, SIGNATURE
from fingerspell.training import checkpoint
from fingerspell.layout import COORDINATE_COLUMNS, NUM_LANDMARKS, SEQUENCE_COLUMN, indices_for_columns
from fingerspell.errors import DataError
from fingerspell.io.kaggle import WideParquet, read_long, table_to_landmarks
from fingerspell.decoders.options import Decoder, DecodingOptions, as_options
from fingerspell.vocab import NUM_CHARACTERS, decode

BUNDLED_MODEL = Path(__file__).resolve().parent / "assets" / "model"


@dataclass(frozen=True)
class Reading:
    """What a model read from one sequence: the text, each character's confidence (the model's
    probability for it where it was emitted; 1.0 from a model whose outputs are one-hot) and the frames."""
    text: str
    confidence: tuple[float, ...]
    frames: int

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": [round(c, 4) for c in self.confidence], "frames": self.frames}


def reading_from_rows(rows: np.ndarray, frames: int) -> Reading:
    rows = np.asarray(rows, dtype=np.float32)
    tokens = np.argmax(rows, axis=1)
    return Reading(decode(tokens), tuple(float(rows[i, t]) for i, t in enumerate(tokens)), frames)


class Decoding:
    """A model's default decoding and the decoders built for it, one per options (a language model and a
    words file are read once). A beam default is built at once: a bad language model or words file is an
    error when the model loads, not a greedy reading later."""

    def __init__(self, default: "DecodingOptions | str | None" = None):
        self.default = as_options(default)
        self._built: dict[DecodingOptions, Decoder] = {}
        if self.default.decoder == "beam":
            self.decoder(self.default)

    def options(self, value: "DecodingOptions | str | None") -> DecodingOptions:
        return as_options(value, self.default)

    def decoder(self, options: DecodingOptions) -> Decoder:
        if options not in self._built:
            self._built[options] = Decoder(options)
        return self._built[options]

    def read(self, probabilities: np.ndarray | None, options: DecodingOptions, frames: int, source) -> Reading:
        if probabilities is None:
            raise ValueError(f"{source}: the beam search reads a CTC model's per-step probabilities, which this "
                             "model does not expose; use decoder 'greedy'")
        text, confidence = self.decoder(options).decode(probabilities)
        return Reading(text, tuple(confidence), frames)


def to_columns(frames: np.ndarray, columns: list[str]) -> np.ndarray:
    """-> float32 (frames, len(columns)) in `columns` order, from all 543 landmarks `(frames, 543, 3)`,
    the selected landmarks `(frames, len(columns) // 3, 3)`, or the columns themselves."""
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim == 3 and frames.shape[1:] == (NUM_LANDMARKS, 3):
        frames = frames[:, indices_for_columns(columns)]
    if frames.ndim == 3 and frames.shape[1:] == (len(columns) // 3, 3):
        return np.ascontiguousarray(frames.transpose(0, 2, 1).reshape(len(frames), len(columns)))
    if frames.ndim == 2 and frames.shape[1] == len(columns):
        return np.ascontiguousarray(frames)
    raise ValueError(f"expected (frames, 543, 3) landmarks or (frames, {len(columns)}) columns, got {frames.shape}")


def fill_missed_frames(frames: np.ndarray, positions) -> np.ndarray:
    """Frames read at camera frame numbers `positions` (increasing) -> one frame per camera frame from the
    first read to the last, the missed ones linear between their neighbours read (a point missing in either
    stays missing). A live reader gets a few of the camera's frames; the model was trained on every frame a
    camera recorded and reads far worse with fewer (bench/frame_rate.py). The live page does the same
    (web/app.js fillMissed)."""
    frames = np.asarray(frames, np.float32)
    positions = np.asarray(positions, np.int64)
    if len(frames) != len(positions) or np.any(np.diff(positions) <= 0):
        raise ValueError(f"need one increasing camera frame number per frame, got {positions.tolist()[:20]}")
    if len(frames) < 2:
        return frames
    grid = np.arange(positions[0], positions[-1] + 1)
    before = np.searchsorted(positions, grid, side="right") - 1  # the last frame read at or before each
    after = np.minimum(before + 1, len(frames) - 1)
    span = np.maximum(positions[after] - positions[before], 1)
    weight = ((grid - positions[before]) / span).astype(np.float32).reshape((-1,) + (1,) * (frames.ndim - 1))
    filled = (1 - weight) * frames[before] + weight * frames[after]
    read = grid == positions[before]
    filled[read] = frames[before[read]]  # a frame read stays as read, whatever its neighbour lacks
    return filled


class LiteModel:
    """An exported model on the LiteRT interpreter."""

    def __init__(self, path: str | Path, threads: int = 1, decoding: "DecodingOptions | str | None" = None):
        from ai_edge_litert.interpreter import Interpreter
        path = Path(path)
        model_file = artifact.model_file(path)
        args_file = model_file.parent / ARGS_FILE
        if not model_file.is_file() or not args_file.is_file():
            raise FileNotFoundError(f"{path}: need {MODEL_FILE} with {ARGS_FILE} beside it")
        self.columns = artifact.read_columns(args_file)
        self.model_file = model_file
        self.interpreter = Interpreter(model_path=str(model_file), num_threads=threads)
        self._inspector = None  # a second interpreter that keeps intermediate tensors, built by steps()
        self.steps_tensor: str | None = None  # the name of the per-step probabilities inside the file, once found
        signatures = self.interpreter.get_signature_list()
        if SIGNATURE not in signatures:
            raise ValueError(f"{model_file}: no {SIGNATURE!r} signature (found {list(signatures)})")
        self.runner = self.interpreter.get_signature_runner(SIGNATURE)
        self.decoding = Decoding(decoding)
        # a CTC export holds (steps, 59 + blank) probabilities; a seq2seq export has 62-wide logits instead
        self.reads_steps = any(_is_steps_shape(d) for d in self.interpreter.get_tensor_details())

    def read(self, frames, decoder: "DecodingOptions | str | None" = None) -> Reading:
        """Text, per-character confidence and frame count for one sequence: (frames, 543, 3) landmarks or
        (frames, len(self.columns)) columns. `decoder`: "greedy", "beam" or DecodingOptions (default: the
        model's, set by load_model)."""
        columns = to_columns(frames, self.columns)
        options = self.decoding.options(decoder)
        if options.decoder == "greedy":  # the exported `outputs`, exactly as a competition scorer reads them
            return reading_from_rows(self.runner(**{INPUT: columns})[OUTPUT], len(columns))
        return self.decoding.read(self.step_probabilities(columns), options, len(columns), self.model_file)

    def predict(self, frames, decoder: "DecodingOptions | str | None" = None) -> str:
        """Text for one sequence: (frames, 543, 3) landmarks or (frames, len(self.columns)) columns."""
        return self.read(frames, decoder).text

    def steps(self, frames) -> np.ndarray | None:
        """Per CTC output step the character emitted there, -1 where none (as `RunModel.steps`), or None."""
        probabilities = self.step_probabilities(frames)
        return None if probabilities is None else greedy_steps(probabilities)

    def step_probabilities(self, frames) -> np.ndarray | None:
        """float32 (steps, 59 + blank): per CTC output step the model's probabilities, or None where the
        file has none (a seq2seq export).

        The contract's single signature gives characters, not their steps (a second signature doubled the
        file: the converter does not share weights between signatures), so this reruns the file on an
        interpreter that keeps its intermediate tensors and takes the per-step probabilities over the 59
        characters + blank from inside the graph. The find is checked, not trusted: the greedy path it gives
        must emit exactly the characters and probabilities of `outputs`, or this returns None."""
        from ai_edge_litert.interpreter import Interpreter
        columns = to_columns(frames, self.columns)
        if len(columns) == 0:
            return np.zeros((0, NUM_CHARACTERS + 1), np.float32)
        if self._inspector is None:
            interpreter = Interpreter(model_path=str(self.model_file), num_threads=1,
                                      experimental_preserve_all_tensors=True)
            self._inspector = (interpreter, interpreter.get_signature_runner(SIGNATURE))
        interpreter, runner = self._inspector
        rows = runner(**{INPUT: columns})[OUTPUT]
        for detail in interpreter.get_tensor_details():
            if not _is_steps_shape(detail):
                continue
            try:
                probabilities = interpreter.get_tensor(detail["index"])
            except ValueError:  # a tensor the interpreter did not keep
                continue
            if probabilities.ndim != 2 or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
                continue
            emitted = greedy_steps(probabilities) >= 0
            if emitted.sum() == len(rows) and np.allclose(probabilities[emitted, :NUM_CHARACTERS], rows,
                                                          atol=1e-5):
                self.steps_tensor = detail["name"]
                return np.array(probabilities, np.float32)
        return None


def _is_steps_shape(detail: dict) -> bool:
    """Whether a tensor of the file could be the per-step probabilities: float32 (steps, 59 + blank)."""
    shape = detail["shape_signature"] if len(detail["shape_signature"]) else detail["shape"]
    return len(shape) == 2 and shape[-1] == NUM_CHARACTERS + 1 and detail["dtype"] == np.float32


def greedy_steps(probabilities: np.ndarray) -> np.ndarray:
    """(steps, 59 + blank) -> int32 (steps,): CTC best path, the character where one is emitted, else -1
    (numpy twin of models.ctc.ctc_greedy for one unpadded sequence)."""
    best = np.argmax(probabilities, axis=1).astype(np.int32)
    previous = np.concatenate([[-1], best[:-1]])
    return np.where((best != previous) & (best != NUM_CHARACTERS), best, -1).astype(np.int32)


class RunModel:
    """A run directory's checkpoint, through the same graph the export bakes in (needs TensorFlow)."""

    def __init__(self, run_dir: str | Path, which: str = "best", decoding: "DecodingOptions | str | None" = None):
        from fingerspell.training.run import load_run
        from fingerspell.export.tflite import ExportModule
        import tensorflow as tf
        config, model, _ = load_run(run_dir, which)
        self.source = f"{run_dir} ({which})"
        self.module = ExportModule(model, config)
        self.columns = self.module.columns
        self.decoding = Decoding(decoding)
        self.reads_steps = self.module.kind.reads_steps
        signature = [tf.TensorSpec([None, len(self.columns)], tf.float32)]
        # compiled once for any length (eager, the seq2seq decoder loop ran op by op, seconds per sequence)
        self._step_tokens = tf.function(self.module.step_tokens, input_signature=signature)
        self._step_probabilities = (tf.function(self._probabilities, input_signature=signature)
                                    if self.module.kind.reads_steps else None)

    def _probabilities(self, inputs):
        features, mask = self.module.features(inputs)
        return self.module.kind.step_probabilities(self.module._model(), features, mask)

    def read(self, frames, decoder: "DecodingOptions | str | None" = None) -> Reading:
        columns = to_columns(frames, self.columns)
        options = self.decoding.options(decoder)
        if options.decoder == "greedy":
            return reading_from_rows(self.module.serve(columns)[OUTPUT].numpy(), len(columns))
        return self.decoding.read(self.step_probabilities(columns), options, len(columns), self.source)

    def predict(self, frames, decoder: "DecodingOptions | str | None" = None) -> str:
        return self.read(frames, decoder).text

    def steps(self, frames) -> np.ndarray:
        return self._step_tokens(to_columns(frames, self.columns)).numpy()

    def step_probabilities(self, frames) -> np.ndarray | None:
        """float32 (steps, 59 + blank) from the Keras model's logits, or None for a kind without steps."""
        columns = to_columns(frames, self.columns)
        if self._step_probabilities is None:
            return None
        if len(columns) == 0:
            return np.zeros((0, NUM_CHARACTERS + 1), np.float32)
        return self._step_probabilities(columns).numpy()


def frame_labels(model, frames) -> list[str] | None:
    """Per input frame, the text read up to and including that frame (from the model's per-step output),
    so a picture can show where each character was read; None when the model does not expose its steps."""
    steps = model.steps(frames) if hasattr(model, "steps") else None
    if steps is None or len(steps) == 0:
        return None
    step_of_frame = np.minimum(len(steps) - 1, np.arange(len(frames)) * len(steps) // max(1, len(frames)))
    text, labels, previous = "", [], -1
    for step in step_of_frame:
        if step != previous and steps[step] >= 0:  # the first frame of a step that emitted a character
            text += decode([int(steps[step])])
        previous = step
        labels.append(text[-14:])  # the last characters read: what fits the panel
    return labels


def load_model(path: str | Path | None = None, threads: int = 1, decoder: "DecodingOptions | str | None" = None):
    """A `.tflite` file, an export folder, or a run directory -> an object with `predict(frames) -> str`
    and `read(frames) -> Reading`. No path: the bundled model. `decoder`: how it decodes unless a call says
    otherwise ("greedy", "beam" or DecodingOptions; default DecodingOptions())."""
    if path is None:
        if not (BUNDLED_MODEL / MODEL_FILE).is_file():
            raise FileNotFoundError(f"{BUNDLED_MODEL}: this install has no bundled model; pass a model "
                                    "(`python tools/train_release.py` builds it)")
        return LiteModel(BUNDLED_MODEL, threads, decoder)
    path = Path(path)
    if artifact.is_export(path):
        return LiteModel(path, threads, decoder)
    if checkpoint.exists(path, "best"):
        return RunModel(path, decoding=decoder)
    raise FileNotFoundError(f"{path}: not a .tflite, an export folder or a run directory")


def bundled_info() -> dict:
    """The bundled model's model.json: its recipe, what it was trained on and its scores."""
    path = BUNDLED_MODEL / "model.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: this install has no bundled model; `fingerspell demo --train` trains one")
    return json.loads(path.read_text(encoding="utf-8"))


def read_sequences(path: str | Path, columns: list[str], sequence_ids=None) -> Iterator[tuple[int | None, np.ndarray]]:
    """(sequence_id, (frames, len(columns)) columns) for each sequence of a landmark file or dataset.

    Kaggle wide parquet (every sequence, or those named), a single-sequence wide parquet without a
    sequence_id column, the ISLR long layout (.csv or .parquet), a pose-format `.pose` file, or a Kaggle
    dataset folder (its sequences found through its metadata csvs; all, or those named).
    """
    from fingerspell.io.inputs import dataset_rows, is_dataset, read_pose_landmarks
    path = Path(path)
    if is_dataset(path):
        for row in dataset_rows(path, sequence_ids).itertuples(index=False):
            yield int(row.sequence_id), to_columns(WideParquet(row.file).read_sequence(int(row.sequence_id),
                                                                                        columns), columns)
        return
    if path.is_dir():
        raise DataError("a folder but not a Kaggle dataset: expected train.csv or supplemental_metadata.csv in "
                        "it (or give a landmark file)", path)
    if not path.is_file():
        raise DataError("file not found", path)
    if path.suffix == ".pose":
        yield None, to_columns(read_pose_landmarks(path), columns)
        return
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



def read_landmarks(path: str | Path, sequence_id: int | None = None) -> tuple[int | None, np.ndarray]:
    """The first sequence of `path` (or the one named) as (sequence_id, (frames, 543, 3) landmarks)."""
    ids = [sequence_id] if sequence_id is not None else None
    found, flat = next(iter(read_sequences(path, list(COORDINATE_COLUMNS), ids)))
    return found, flat.reshape(len(flat), 3, NUM_LANDMARKS).transpose(0, 2, 1)
