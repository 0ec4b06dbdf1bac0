"""MediaPipe Holistic landmarks in the Kaggle layouts.

Wide layout (ASL Fingerspelling): one row per frame, index `sequence_id`, a `frame` column and 1,629
coordinate columns `[x|y|z]_[face|left_hand|pose|right_hand]_[i]`: all x first, then all y, then all z.
Long layout (Isolated Sign Language): one row per landmark, `frame,row_id,type,landmark_index,x,y,z`.
Both read to float32 arrays `(frames, landmarks, 3)` with NaN where MediaPipe detected nothing.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fingerspell.errors import DataError
from fingerspell.layout import (AXES, COORDINATE_COLUMNS, FRAME_COLUMN, NUM_LANDMARKS, PARTS,
                                PART_OFFSET, SEQUENCE_COLUMN)


def table_to_landmarks(table: pa.Table, columns, buffer: np.ndarray | None = None) -> np.ndarray:
    """`columns` of a table (x..., y..., z...) as float32 `(rows, len(columns)//3, 3)`.

    The result is a transposed view of a column-major buffer: each column is one contiguous copy;
    callers that need C order pay for a single transposing copy. Pass a reusable `buffer` of at least
    `(len(columns), rows)` to avoid touching fresh memory on every call.
    """
    rows, count = table.num_rows, len(columns) // 3
    flat = np.empty((len(columns), rows), dtype=np.float32) if buffer is None else buffer[:, :rows]
    for j, name in enumerate(columns):
        at = 0
        for chunk in table.column(name).chunks:
            flat[j, at:at + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
            at += len(chunk)
    return flat.reshape(3, count, rows).transpose(2, 1, 0)


class WideParquet:
    """One Kaggle wide parquet file: many sequences, each a contiguous run of rows."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError("file not found", self.path)
        try:
            self.file = pq.ParquetFile(self.path)
        except (pa.ArrowException, OSError) as error:
            raise DataError(f"not a readable parquet file ({error})", self.path) from error
        self._index: dict[int, tuple[int, int]] | None = None

    def check_schema(self, allow_extra: bool = False) -> None:
        """Raise DataError unless the file has `frame`, `sequence_id` and the 1,629 float32 columns."""
        schema = self.file.schema_arrow
        names = set(schema.names)
        missing = [c for c in (SEQUENCE_COLUMN, FRAME_COLUMN, *COORDINATE_COLUMNS) if c not in names]
        if missing:
            raise DataError(f"{len(missing)} missing columns, first {missing[:5]}", self.path)
        extra = sorted(names - {SEQUENCE_COLUMN, FRAME_COLUMN, *COORDINATE_COLUMNS, "__index_level_0__"})
        if extra and not allow_extra:
            raise DataError(f"{len(extra)} unexpected columns, first {extra[:5]}", self.path)
        wrong = [f"{c} ({schema.field(c).type})" for c in COORDINATE_COLUMNS if schema.field(c).type != pa.float32()]
        if wrong:
            raise DataError(f"{len(wrong)} coordinate columns are not float32, first {wrong[:3]}", self.path)

    def _read(self, columns, row_groups=None) -> pa.Table:
        try:
            if row_groups is None:
                return self.file.read(columns=list(columns))
            return self.file.read_row_groups(row_groups, columns=list(columns))
        except (pa.ArrowException, OSError) as error:
            raise DataError(f"corrupt or truncated parquet ({error})", self.path) from error

    def sequence_index(self) -> dict[int, tuple[int, int]]:
        """sequence_id -> (first row, end row); reads only the sequence_id column."""
        if self._index is None:
            ids = self._read([SEQUENCE_COLUMN]).column(0).to_numpy()
            self._index = runs_of(ids, self.path)
        return self._index

    def iter_row_groups(self, columns):
        """Yield (first row, landmarks `(rows, L, 3)` view) one row group at a time, reusing one buffer."""
        meta, first = self.file.metadata, 0
        largest = max((meta.row_group(g).num_rows for g in range(meta.num_row_groups)), default=0)
        buffer = np.empty((len(columns), largest), dtype=np.float32)
        for group in range(meta.num_row_groups):
            table = self._read(columns, [group])
            yield first, table_to_landmarks(table, columns, buffer)
            first += table.num_rows

    def read_sequence(self, sequence_id: int, columns=COORDINATE_COLUMNS) -> np.ndarray:
        """One sequence as `(frames, L, 3)`, reading only the row groups whose statistics may hold it."""
        groups = self.row_groups_holding(sequence_id)
        table = self._read([SEQUENCE_COLUMN, *columns], groups) if groups else None
        if table is None or table.num_rows == 0:
            raise DataError("sequence not in file (0 frames)", self.path, sequence_id)
        ids = table.column(0).to_numpy()
        rows = np.flatnonzero(ids == sequence_id)
        if rows.size == 0:
            raise DataError("sequence not in file (0 frames)", self.path, sequence_id)
        if rows[-1] - rows[0] + 1 != rows.size:
            raise DataError("rows of the sequence are not contiguous (duplicate sequence_id?)", self.path, sequence_id)
        return table_to_landmarks(table.slice(int(rows[0]), int(rows.size)), columns)

    def row_groups_holding(self, sequence_id: int) -> list[int]:
        meta = self.file.metadata
        column = self.file.schema_arrow.get_field_index(SEQUENCE_COLUMN)
        groups = []
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(column).statistics
            if stats is None or not stats.has_min_max or stats.min <= sequence_id <= stats.max:
                groups.append(g)
        return groups


def landmarks_table(arrays: list[np.ndarray], sequence_ids) -> pa.Table:
    """Sequences `(frames, 543, 3)` -> a table in the Kaggle wide layout (pandas sees the sequence_id index).

    Built column by column (one contiguous copy, no DataFrame): a third of the synthesiser's time went to
    pandas here. NaN becomes null, as pandas writes it; the bytes written are those of the pandas route."""
    frames = np.concatenate(arrays).astype(np.float32, copy=False)
    columns = np.ascontiguousarray(frames.transpose(2, 1, 0)).reshape(3 * NUM_LANDMARKS, len(frames))
    frame_numbers = np.concatenate([np.arange(len(a), dtype=np.int16) for a in arrays])
    ids = np.repeat(np.asarray(sequence_ids, np.int64), [len(a) for a in arrays])
    return pa.Table.from_arrays([pa.array(frame_numbers), *(pa.array(c, from_pandas=True) for c in columns),
                                 pa.array(ids)], schema=_wide_schema())


@functools.cache
def _wide_schema() -> pa.Schema:
    """The schema pandas gives the wide layout, its index metadata included (read by pandas users)."""
    import pandas as pd
    empty = pd.DataFrame({FRAME_COLUMN: np.zeros(0, np.int16),
                          **{c: np.zeros(0, np.float32) for c in COORDINATE_COLUMNS}})
    empty.index = pd.Index(np.zeros(0, np.int64), name=SEQUENCE_COLUMN)
    return pa.Table.from_pandas(empty, preserve_index=True).schema


def runs_of(ids: np.ndarray, path=None) -> dict[int, tuple[int, int]]:
    """Map each id to its (start, stop) row run; an id in two separate runs is a DataError."""
    if ids.size == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    stops = np.r_[starts[1:], ids.size]
    index: dict[int, tuple[int, int]] = {}
    for start, stop in zip(starts.tolist(), stops.tolist()):
        key = int(ids[start])
        if key in index:
            raise DataError("sequence_id appears in two separate runs of rows (duplicate)", path, key)
        index[key] = (start, stop)
    return index


def read_long(path: str | Path) -> np.ndarray:
    """An ISLR long-layout file (.csv or .parquet) as float32 `(frames, 543, 3)`, frames in order."""
    path = Path(path)
    try:
        if path.suffix == ".csv":
            import pyarrow.csv as pacsv
            table = pacsv.read_csv(path)
        else:
            table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise DataError(f"not a readable landmark file ({error})", path) from error
    missing = [c for c in ("frame", "type", "landmark_index", "x", "y", "z") if c not in table.column_names]
    if missing:
        raise DataError(f"not the long layout: missing columns {missing}", path)
    frame = table.column("frame").to_numpy(zero_copy_only=False).astype(np.int64)
    part = table.column("type").to_numpy(zero_copy_only=False).astype(str)
    point = table.column("landmark_index").to_numpy(zero_copy_only=False).astype(np.int64)
    frames, frame_row = np.unique(frame, return_inverse=True)
    out = np.full((frames.size, NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
    for name, count in PARTS:
        rows = part == name
        if np.any((point[rows] < 0) | (point[rows] >= count)):
            raise DataError(f"landmark_index out of range for {name}", path)
        target = PART_OFFSET[name] + point[rows]
        for k, axis in enumerate(AXES):
            out[frame_row[rows], target, k] = table.column(axis).to_numpy(zero_copy_only=False)[rows]
    unknown = sorted(set(np.unique(part)) - set(dict(PARTS)))
    if unknown:
        raise DataError(f"unknown landmark types {unknown}", path)
    return out
