"""Self-describing checkpoints: one .npz holding config, vocabulary, weights, optimizer state and step.

Written to a temporary name and renamed, so a kill at any moment leaves the previous checkpoint whole.
Read without pickle: the metadata is a JSON string array.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .vocab import CHARACTERS

CHECKPOINT_FORMAT = "fingerspell-checkpoint"
CHECKPOINT_VERSION = 1


def save(path: str | Path, meta: dict, weights: list[np.ndarray], optimizer: list[np.ndarray]) -> None:
    path = Path(path)
    meta = {**meta, "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "characters": "".join(CHARACTERS),
            "weights": len(weights), "optimizer": len(optimizer)}
    arrays = {"meta": np.array(json.dumps(meta))}
    arrays.update({f"w{i:04d}": np.asarray(w) for i, w in enumerate(weights)})
    arrays.update({f"o{i:04d}": np.asarray(v) for i, v in enumerate(optimizer)})
    tmp = path.with_name(path.name + ".tmp.npz")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load(path: str | Path) -> tuple[dict, list[np.ndarray], list[np.ndarray]]:
    """(meta, weights, optimizer state) of a checkpoint; raises ValueError for anything else, a file cut
    short by a full disk or a copy included."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"])) if "meta" in data.files else {}
            if meta.get("format") == CHECKPOINT_FORMAT:
                weights = [data[f"w{i:04d}"] for i in range(meta["weights"])]
                optimizer = [data[f"o{i:04d}"] for i in range(meta["optimizer"])]
    except (OSError, KeyError, EOFError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: unreadable checkpoint, truncated or not a checkpoint "
                         f"({type(error).__name__}: {error})") from error
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: not a fingerspell checkpoint")
    if meta["characters"] != "".join(CHARACTERS):
        raise ValueError(f"{path}: checkpoint vocabulary differs from this fingerspell's")
    return meta, weights, optimizer
