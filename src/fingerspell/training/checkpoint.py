"""Run checkpoints in TensorFlow's format: RUN/last/ and RUN/best/, each a `tf.train.CheckpointManager`
directory holding its newest checkpoint (`ckpt-N.index`, `ckpt-N.data-*`) and the `checkpoint` state file.

One checkpoint holds the model's weights, the optimizer's variables (moments, step count, weight average,
loss scale), the dropout generators' states and `meta`, a JSON string (the recipe under "config", the
runtime it last ran with under "runtime", vocabulary, step and data position, landmarks, feature count,
resolved precision): everything a resumed run needs to continue the same run. Loading reads the recipe
only (`recipe_of`); the runtime is a record, which a resume starts from but nothing depends on.

The arrays are explicit lists of the backing variables in a fixed order, because a Keras 3 model is
not fully seen by TensorFlow's object graph: `tf.train.Checkpoint(model=...)` holds 7 of the CTC model's
109 weights and none of its dropout state, and restores the rest silently from nothing.

The manager writes the new files, then replaces the state file atomically, then deletes the previous
files: a kill at any moment leaves the state file naming a whole checkpoint. Read without pickle.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fingerspell.vocab import CHARACTERS

CHECKPOINT_FORMAT = "fingerspell-checkpoint"
CHECKPOINT_VERSION = 2  # 1 was a single .npz
PARTS = ("weights", "optimizer", "rng")
_META_KEY = "meta/.ATTRIBUTES/VARIABLE_VALUE"
# what TensorFlow's reader raises besides its OpErrors, e.g. IndexError for a data file cut short
_READ_ERRORS = (IndexError, KeyError, RuntimeError, ValueError, UnicodeDecodeError)


def directory(run_dir: str | Path, which: str) -> Path:
    return Path(run_dir) / which


def exists(run_dir: str | Path, which: str) -> bool:
    """Whether the run has a `which` checkpoint (no TensorFlow import: inference of a .tflite needs none)."""
    return (directory(run_dir, which) / "checkpoint").is_file()


def save(run_dir: str | Path, which: str, meta: dict, weights: list, optimizer: list, rng: list) -> str:
    """Write `which` (last, best) from lists of variables (Keras or tf.Variable); returns its path prefix."""
    import tensorflow as tf
    meta = {**meta, "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "characters": "".join(CHARACTERS),
            **{f"{part}_count": len(values) for part, values in zip(PARTS, (weights, optimizer, rng))}}
    state = tf.train.Checkpoint(meta=tf.Variable(json.dumps(meta), trainable=False),
                                **{part: [_backing(v) for v in values]
                                   for part, values in zip(PARTS, (weights, optimizer, rng))})
    manager = tf.train.CheckpointManager(state, str(directory(run_dir, which)), max_to_keep=1,
                                         checkpoint_name="ckpt")
    latest = manager.latest_checkpoint
    # a new number for every save: rewriting the files the state file names would not be atomic
    number = int(latest.rsplit("-", 1)[1]) + 1 if latest else 1
    return manager.save(checkpoint_number=number)


def _backing(variable):
    """The tf.Variable that a Keras variable wraps (checkpoints track TensorFlow objects only)."""
    import keras
    return variable.value if isinstance(variable, keras.Variable) else variable


def _prefix(run_dir: str | Path, which: str) -> str:
    import tensorflow as tf
    folder = directory(run_dir, which)
    if not exists(run_dir, which):
        if (Path(run_dir) / f"{which}.npz").is_file():
            raise ValueError(f"{Path(run_dir) / which}.npz: a checkpoint of fingerspell before version 2 "
                             "(a single .npz); retrain with this version")
        raise FileNotFoundError(f"{run_dir}: no {which} checkpoint ({folder}/checkpoint missing; train first)")
    prefix = tf.train.latest_checkpoint(str(folder))
    if prefix is None:
        raise ValueError(f"{folder}: unreadable checkpoint, truncated or not a checkpoint "
                         "(the state file names no checkpoint whose index exists)")
    return prefix


def _reader(run_dir: str | Path, which: str):
    import tensorflow as tf
    prefix = _prefix(run_dir, which)
    try:
        reader = tf.train.load_checkpoint(prefix)
        meta = json.loads(reader.get_tensor(_META_KEY).decode("utf-8"))
    except (tf.errors.OpError, *_READ_ERRORS) as error:
        raise _unreadable(prefix, error) from error
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{prefix}: not a fingerspell checkpoint")
    if meta.get("characters") != "".join(CHARACTERS):
        raise ValueError(f"{prefix}: checkpoint vocabulary differs from this fingerspell's")
    return prefix, reader, meta


def _unreadable(prefix: str, error: Exception) -> ValueError:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return ValueError(f"{prefix}: unreadable checkpoint, truncated or not a checkpoint "
                      f"({type(error).__name__}: {message[:300]})")


def recipe_of(meta: dict) -> dict:
    """The recipe a checkpoint's meta holds (config.Recipe.from_dict reads it). A checkpoint of fingerspell
    before the recipe/runtime split holds both in "config": the runtime's keys are then ignored."""
    return meta["config"]


def read_meta(run_dir: str | Path, which: str) -> dict:
    """The checkpoint's meta (config, state, ...) without reading its arrays."""
    return _reader(run_dir, which)[2]


def load(run_dir: str | Path, which: str) -> tuple[dict, list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """(meta, weights, optimizer variables, rng states) as arrays; ValueError names the checkpoint for a
    file cut short by a full disk, a partial copy, or anything that is not a fingerspell checkpoint."""
    import tensorflow as tf
    prefix, reader, meta = _reader(run_dir, which)
    arrays = []
    try:
        for part in PARTS:
            arrays.append([np.asarray(reader.get_tensor(f"{part}/{i}/.ATTRIBUTES/VARIABLE_VALUE"))
                           for i in range(meta[f"{part}_count"])])
    except (tf.errors.OpError, *_READ_ERRORS) as error:
        raise _unreadable(prefix, error) from error
    return meta, *arrays
