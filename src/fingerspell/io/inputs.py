"""What users hand to `predict`, `show` and `evaluate`, resolved to landmark sequences.

An input is a landmark file (Kaggle wide parquet, single-sequence parquet, ISLR long layout), a
pose-format `.pose` file (MediaPipe Holistic components), a Kaggle dataset folder (sequences found through
train.csv / supplemental_metadata.csv, paths kept inside the folder), or a folder of such files and of
videos/images (those need `fingerspell extract` first; the callers do that).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fingerspell.layout import NUM_LANDMARKS, PART_OFFSET, PARTS
from fingerspell.errors import DataError

LANDMARK_SUFFIXES = (".parquet", ".csv", ".pose")
# pose-format's MediaPipe Holistic components -> our parts (the face may carry 10 iris points more: dropped)
POSE_COMPONENTS = {f"{name.upper()}_LANDMARKS": (name, count) for name, count in PARTS}


def is_dataset(path: Path) -> bool:
    """A Kaggle-layout dataset folder: it holds train.csv or supplemental_metadata.csv."""
    from fingerspell.io.dataset import METADATA_FILES
    return path.is_dir() and any((path / name).is_file() for name in METADATA_FILES.values())


def expand(paths, is_media) -> list[str]:
    """Folders that are not datasets -> the landmark files, videos and images inside (sorted); files and
    dataset folders as given. A folder with none of those is an error that says what was expected."""
    out = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not is_dataset(path):
            found = sorted(str(p) for p in path.iterdir()
                           if p.is_file() and (p.suffix.lower() in LANDMARK_SUFFIXES or is_media(str(p))))
            if not found:
                raise DataError("a folder that is neither a Kaggle dataset (no train.csv or "
                                "supplemental_metadata.csv) nor holds videos, images, .pose or landmark files", path)
            out += found
        else:
            out.append(str(raw))
    return out


def dataset_rows(root: Path, sequence_ids=None) -> pd.DataFrame:
    """The metadata rows of a dataset folder (all, or those of `sequence_ids`, in that order), with `file`."""
    from fingerspell.io.dataset import read_dataset
    rows, _ = read_dataset(root)
    if not sequence_ids:
        return rows
    found = rows.set_index("sequence_id", drop=False)
    missing = [s for s in sequence_ids if s not in found.index]
    if missing:
        raise DataError(f"sequence_id {missing[0]} is not in its train.csv or supplemental_metadata.csv "
                        "(or its landmark file is missing)", root, missing[0])
    return found.loc[list(sequence_ids)].reset_index(drop=True)


def phrase_of(path: Path, sequence_id) -> str | None:
    """The phrase of a sequence, from the metadata of the dataset the path is or sits in, if any."""
    if sequence_id is None:
        return None
    for folder in (path, path.parent, path.parent.parent):
        if is_dataset(folder):
            try:
                return str(dataset_rows(folder, [sequence_id]).phrase.iloc[0])
            except DataError:
                continue
    return None


def read_pose_landmarks(path: str | Path) -> np.ndarray:
    """A pose-format `.pose` file of MediaPipe Holistic components -> float32 `(frames, 543, 3)`,
    image-normalised like the Kaggle data, NaN where a part is missing or undetected."""
    from pose_format import Pose
    path = Path(path)
    try:
        pose = Pose.read(path.read_bytes())
    except Exception as error:  # pose-format raises struct/Index/ValueError on a cut file
        raise DataError(f"not a readable .pose file ({type(error).__name__}: {error})", path) from error
    names = [c.name for c in pose.header.components]
    if not {"LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS"} & set(names):
        raise DataError(f"no hand components (has {names}); expected MediaPipe Holistic "
                        "LEFT/RIGHT_HAND_LANDMARKS", path)
    size = pose.header.dimensions
    scale = np.array([max(size.width, 1), max(size.height, 1), max(size.width, 1)], np.float64)
    out = np.full((pose.body.data.shape[0], NUM_LANDMARKS, 3), np.nan, np.float32)
    for name, (part, count) in POSE_COMPONENTS.items():
        if name not in names:
            continue
        data = pose.get_components([name]).body.data[:, 0, :count, :3]
        values = np.ma.filled(data.astype(np.float64), np.nan)
        values[np.ma.getmaskarray(data)] = np.nan
        values[(values[..., :2] == 0).all(axis=-1)] = np.nan  # some writers store undetected points as zeros
        out[:, PART_OFFSET[part]:PART_OFFSET[part] + values.shape[1]] = values / scale
    return out


def image_aspect(path: Path, sequence_id) -> float | None:
    """Width / height of the image a sequence was extracted from, where `fingerspell extract`'s
    metadata.csv beside the file (or one folder up) records it."""
    for folder in (path.parent, path.parent.parent):
        metadata = folder / "metadata.csv"
        if metadata.is_file():
            table = pd.read_csv(metadata, keep_default_na=False)
            if {"width", "height", "sequence_id"} <= set(table.columns):
                mine = (table.sequence_id == sequence_id) if sequence_id is not None else \
                    table.path.astype(str).str.endswith(path.name)
                match = table[mine & (pd.to_numeric(table.height, errors="coerce") > 0)]
                if len(match) == 1:
                    return float(match.width.iloc[0]) / float(match.height.iloc[0])
    return None
