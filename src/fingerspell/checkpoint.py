"""Self-describing checkpoints: one .npz holding config, vocabulary, weights, optimizer state and step.

Written to a temporary name and renamed, so a kill at any moment leaves the previous checkpoint whole.
Read without pickle: the metadata is a JSON string array.
"""
from __future__ import annotations

import json
import os
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
    """(meta, weights, optimizer state) of a checkpoint; raises ValueError for anything else."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != CHECKPOINT_FORMAT:
                raise ValueError(f"{path}: not a fingerspell checkpoint")
            weights = [data[f"w{i:04d}"] for i in range(meta["weights"])]
            optimizer = [data[f"o{i:04d}"] for i in range(meta["optimizer"])]
    except (OSError, KeyError, EOFError) as error:
        raise ValueError(f"{path}: unreadable checkpoint ({error})") from error
    if meta["characters"] != "".join(CHARACTERS):
        raise ValueError(f"{path}: checkpoint vocabulary differs from this fingerspell's")
    return meta, weights, optimizer
