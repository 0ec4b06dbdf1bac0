"""The Kaggle dataset layout: `train.csv` / `supplemental_metadata.csv` rows pointing into parquet files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fingerspell.vocab import CHARACTER_MAP_FILE  # noqa: F401  (part of the Kaggle layout)
from fingerspell.errors import DataError
from fingerspell.vocab import unknown_characters

METADATA_FILES = {"train": "train.csv", "supplemental": "supplemental_metadata.csv"}
METADATA_COLUMNS = ("path", "file_id", "sequence_id", "participant_id", "phrase")


@dataclass(frozen=True)
class Problem:
    """A sequence that cannot be used, and why."""
    file: str
    sequence_id: int | None
    reason: str

    def error(self) -> DataError:
        return DataError(self.reason, self.file, self.sequence_id)


def inside_root(root: Path, relative: str) -> Path | None:
    """`root/relative` resolved, or None when it would leave `root` (absolute path, `..`, symlink out)."""
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None


def read_metadata_csv(csv_path: Path) -> pd.DataFrame:
    """One metadata csv with its columns checked; phrases kept as text ("nan" stays "nan")."""
    try:
        frame = pd.read_csv(csv_path, dtype={"path": str, "phrase": str}, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DataError(f"unreadable metadata csv ({error})", csv_path) from error
    missing = [c for c in METADATA_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}; expected {list(METADATA_COLUMNS)}", csv_path)
    for column in ("file_id", "sequence_id", "participant_id"):
        if not pd.api.types.is_integer_dtype(frame[column]):
            raise DataError(f"column {column} must hold integers", csv_path)
    return frame[list(METADATA_COLUMNS)]


def read_dataset(root: str | Path, sources=("train", "supplemental")) -> tuple[pd.DataFrame, list[Problem]]:
    """Every usable metadata row of a Kaggle-layout dataset, and the problems of the others.

    Adds `source` (train or supplemental), `csv` and `file` (the resolved parquet path).
    """
    root = Path(root)
    tables, problems = [], []
    for source in sources:
        csv_path = root / METADATA_FILES[source]
        if csv_path.is_file():
            table = read_metadata_csv(csv_path).assign(source=source, csv=str(csv_path))
            tables.append(table)
    if not tables:
        raise DataError(f"no {' or '.join(METADATA_FILES[s] for s in sources)} found", root)
    rows = pd.concat(tables, ignore_index=True)
    files, keep = [], []
    seen: set[int] = set()
    for row in rows.itertuples(index=False):
        problem = _row_problem(root, row, seen)
        seen.add(int(row.sequence_id))
        if problem:
            problems.append(problem)
            files.append("")
            keep.append(False)
        else:
            files.append(str(inside_root(root, row.path)))
            keep.append(True)
    rows = rows.assign(file=files)[keep].reset_index(drop=True)
    return rows, problems


def _row_problem(root: Path, row, seen: set[int]) -> Problem | None:
    where = f"{row.csv} ({row.path})"
    if int(row.sequence_id) in seen:
        return Problem(where, int(row.sequence_id), "duplicate sequence_id in the metadata")
    bad = unknown_characters(row.phrase)
    if bad:
        return Problem(where, int(row.sequence_id), f"phrase {row.phrase!r} has characters outside the 59: {bad}")
    if not row.phrase:
        return Problem(where, int(row.sequence_id), "empty phrase")
    target = inside_root(root, row.path)
    if target is None:
        return Problem(where, int(row.sequence_id), f"path {row.path!r} escapes the dataset root {root}")
    if not target.is_file():
        return Problem(where, int(row.sequence_id), f"landmark file {target} not found")
    return None
