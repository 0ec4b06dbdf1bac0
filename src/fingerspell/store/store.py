"""The training store: the landmarks the models use, in one memory-mappable array.

Layout of STORE_DIR (nanoGPT's idea: prepare once, then read slices):
  header.json      format, version, landmark names, Kaggle columns, dtype, counts; written last,
                   so its presence means the store is complete
  landmarks.npy    (total_frames, landmarks, 3), NaN = not detected; sequence i is rows
                   offset[i] : offset[i] + frames[i]
  sequences.csv    sequence_id, participant_id, phrase, frames, offset, source, file, split
                   (train, val, test, or unused: a train signer's sequence whose phrase is also in val or
                   test, set aside so that no evaluation phrase is seen in training)
  skipped.json     every sequence left out, with its reason (only with --skip-bad)
"""
from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from fingerspell.store.splits import SPLITS, SplitRule
from fingerspell.io.dataset import Problem, read_dataset
from fingerspell.errors import DataError
from fingerspell.layout import HAND_SIZE, LANDMARK_NAMES, LIP_POINTS, POSE_ARM_POINTS, columns_for, part_indices
from fingerspell.io.kaggle import WideParquet

STORE_FORMAT = "fingerspell-store"
STORE_VERSION = 1
PARTS_DIR = ".parts"
HEADER_FILE = "header.json"  # written last: a store is whole once it exists


def store_landmarks(lips: bool = False) -> list[int]:
    """Indices (among the 543) the store keeps: left hand, right hand, arm pose points, optionally lips."""
    points = part_indices("left_hand") + part_indices("right_hand") + part_indices("pose", POSE_ARM_POINTS)
    return points + (part_indices("face", LIP_POINTS) if lips else [])


@dataclass
class PrepareReport:
    sequences: int
    frames: int
    skipped: list[Problem]
    files_converted: int
    files_reused: int
    unused: int = 0  # train sequences set aside because their phrase is in val or test


def _atomic_json(path: Path, payload) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def convert_file(file: str, rows: list[tuple[int, int, str]], indices: list[int], dtype: str,
                 part_stem: str, skip_bad: bool) -> tuple[int, list[Problem]]:
    """Convert the sequences `rows` [(sequence_id, participant_id, phrase)] of one parquet file to a part.

    Streams the file one row group at a time into `part_stem.npy` (file order), then writes
    `part_stem.json` (the done marker), each atomically. Returns the frames written and the problems
    met (raises the first when not `skip_bad`).
    """
    problems, kept = [], []
    try:
        parquet = WideParquet(file)
        parquet.check_schema()
        index = parquet.sequence_index()
    except DataError as error:  # the whole file is unusable: name its first sequence and count the rest
        if not skip_bad:
            raise DataError(f"{error.reason} (affects all {len(rows)} sequences of this file)", file,
                            rows[0][0]) from error
        problems = [Problem(file, sid, error.reason) for sid, _, _ in rows]
        rows, index, parquet = [], {}, None
    for sequence_id, participant_id, phrase in rows:
        if sequence_id not in index:
            problem = Problem(file, sequence_id, "sequence has 0 frames (not in the parquet file)")
            if not skip_bad:
                raise problem.error()
            problems.append(problem)
            continue
        kept.append({"sequence_id": sequence_id, "participant_id": participant_id, "phrase": phrase})
    kept.sort(key=lambda seq: index[seq["sequence_id"]][0])  # file order, so the rows stream in order
    offset = 0
    for seq in kept:
        start, stop = index[seq["sequence_id"]]
        seq.update(frames=stop - start, offset=offset)
        offset += stop - start
    tmp = Path(part_stem + ".tmp.npy")
    try:
        _stream_rows(parquet if kept else None, index, kept, indices, dtype, tmp)
    except DataError as error:  # corrupt pages surface only when the landmark columns are decoded
        if not skip_bad:
            raise DataError(f"{error.reason} (affects all {len(kept)} sequences of this file)", file,
                            kept[0]["sequence_id"]) from error
        problems += [Problem(file, seq["sequence_id"], error.reason) for seq in kept]
        kept, offset = [], 0
        _stream_rows(None, {}, [], indices, dtype, tmp)
    os.replace(tmp, part_stem + ".npy")
    _atomic_json(Path(part_stem + ".json"), {"file": file, "sequences": kept,
                                             "problems": [p.__dict__ for p in problems]})
    return offset, problems


def _write_npy_header(handle, shape: tuple, dtype) -> None:
    """The .npy header of a C-ordered `shape` array of `dtype`; its bytes follow, written by the caller."""
    np.lib.format.write_array_header_1_0(handle, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                  "fortran_order": False, "shape": shape})


def _stream_rows(parquet, index, kept, indices, dtype, path: Path) -> None:
    """Write the rows of the `kept` sequences as an .npy `(frames, L, 3)` of `dtype`, group by group."""
    wanted = np.zeros(max((stop for _, stop in index.values()), default=0), dtype=bool)
    for seq in kept:
        start, stop = index[seq["sequence_id"]]
        wanted[start:stop] = True
    shape = (int(wanted.sum()), len(indices), 3)
    with open(path, "wb") as out:
        _write_npy_header(out, shape, dtype)
        if parquet is None:
            return
        converted = None  # one reused output buffer: fresh memory costs page faults on every block
        for first, block in parquet.iter_row_groups(columns_for(indices)):
            if converted is None or len(converted) < len(block):
                converted = np.empty((len(block), len(indices), 3), dtype=dtype)
            rows = converted[:len(block)]
            np.copyto(rows, block, casting="same_kind")
            mask = wanted[first:first + len(block)]
            out.write((rows if mask.all() else rows[mask]).tobytes())


def _convert_job(job):
    return convert_file(*job)


def prepare(data_dir: str | Path, store_dir: str | Path, workers: int = 1, skip_bad: bool = False,
            lips: bool = False, dtype: str = "float32", split_rule: SplitRule | None = None,
            progress: bool = True) -> PrepareReport:
    """Convert a Kaggle-layout dataset (train and supplemental) into a store; resumable and atomic.

    Splits are by signer, and by phrase unless the rule says otherwise (store/splits.py); the rule is
    recorded in the store's header.
    """
    split_rule = split_rule or SplitRule()
    data_dir, store_dir = Path(data_dir), Path(store_dir)
    if (store_dir / HEADER_FILE).is_file():
        raise FileExistsError(f"{store_dir} already holds a complete store; remove it to prepare again")
    rows, problems = read_dataset(data_dir)
    if problems and not skip_bad:
        raise problems[0].error()
    indices = store_landmarks(lips)
    parts = store_dir / PARTS_DIR
    parts.mkdir(parents=True, exist_ok=True)
    # not skip_bad: a part written without it is whole, so "fix it with --skip-bad and resume" is fine
    _check_part_options(parts, {"data_dir": str(data_dir.resolve()), "lips": bool(lips), "dtype": str(dtype)})
    jobs, reused = [], 0
    groups = sorted(rows.groupby("file", sort=True), key=lambda g: (g[1].source.iloc[0] != "train", g[0]))
    for number, (file, group) in enumerate(groups):
        stem = str(parts / f"{number:05d}-{Path(file).stem}")
        if Path(stem + ".json").is_file():
            reused += 1
            continue
        members = [(int(s), int(p), str(t)) for s, p, t in
                   zip(group.sequence_id, group.participant_id, group.phrase)]
        jobs.append((file, members, indices, dtype, stem, skip_bad))
    bar = tqdm(total=len(jobs), desc="prepare", unit="file", disable=not progress)
    if workers <= 1:
        for job in jobs:
            _convert_job(job)
            bar.update()
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            for _ in pool.map(_convert_job, jobs):
                bar.update()
    bar.close()
    report = _assemble(store_dir, rows, indices, dtype, problems, split_rule, data_dir, progress)
    report.files_converted, report.files_reused = len(jobs), reused
    return report


def _check_part_options(parts: Path, options: dict) -> None:
    """A resumed prepare must convert like the run that wrote the finished parts: the first run records
    its options, a later one with other options stops before mixing two kinds of parts in one store."""
    recorded = parts / "options.json"
    if recorded.is_file():
        before = json.loads(recorded.read_text(encoding="utf-8"))
        changed = {k: (before.get(k), v) for k, v in options.items() if before.get(k) != v}
        if changed:
            said = ", ".join(f"{k} was {old!r}, now {new!r}" for k, (old, new) in changed.items())
            raise DataError(f"an interrupted prepare left parts written with other options ({said}); resume "
                            f"with the same options, or remove {parts} to start over", parts.parent)
    elif any(parts.glob("[0-9]*.json")):
        raise DataError(f"parts of an interrupted prepare without a record of their options; remove {parts} "
                        "to start over", parts.parent)
    else:
        _atomic_json(recorded, options)


def _join_landmarks(store_dir: Path, parts: list[tuple[Path, int]], shape: tuple, dtype, progress: bool) -> None:
    """Copy the parts' arrays into one landmarks.npy, deleting each part once its frames are on disk.

    The disk then never holds the landmarks twice (at the real size, 28 GB of parts would need 28 GB
    more). The target is made at full size and sparse; a part's array is the record that it is not copied
    yet, so an interrupted join resumes, copying again at most the part it was in. Plain file copies, not
    memory maps: the process's resident memory stays a copy buffer, not the 30 GB it writes."""
    tmp = store_dir / "landmarks.tmp.npy"
    expected, dtype = (sum(frames for _, frames in parts), *shape), np.dtype(dtype)
    resumed = tmp.is_file()
    if not resumed:
        with open(tmp, "wb") as handle:  # the header, then the full size as a hole
            _write_npy_header(handle, expected, dtype)
            handle.truncate(handle.tell() + expected[0] * int(np.prod(shape)) * dtype.itemsize)
    offset, found = _npy_layout(tmp)
    if found != (expected, dtype):
        raise DataError(f"{tmp}: an interrupted join of another shape ({found}, the parts say {expected} "
                        f"{dtype}); remove it and {store_dir / PARTS_DIR} to start over", store_dir)
    frame_bytes = int(np.prod(shape)) * dtype.itemsize
    cursor = 0
    with open(tmp, "r+b") as out:
        for part, frames in tqdm(parts, desc="join", unit="file", disable=not progress):
            array = part.with_suffix(".npy")
            if array.is_file():
                start, layout = _npy_layout(array)
                if layout != ((frames, *shape), dtype):
                    raise DataError(f"{array}: holds {layout}, its record says {frames} frames; remove "
                                    f"{store_dir / PARTS_DIR} to start over", store_dir)
                out.seek(offset + cursor * frame_bytes)
                with open(array, "rb") as source:
                    source.seek(start)
                    shutil.copyfileobj(source, out, 16 << 20)
                out.flush()
                os.fsync(out.fileno())  # these frames are on disk before their only other copy goes
                array.unlink()
            elif not resumed:
                raise DataError(f"{array}: a converted part lost its landmarks; remove {store_dir / PARTS_DIR} "
                                "to start over", store_dir)
            cursor += frames
    os.replace(tmp, store_dir / "landmarks.npy")


def _npy_layout(path: Path) -> tuple[int, tuple[tuple, np.dtype]]:
    """(where the data starts, (shape, dtype)) of a C-ordered .npy file, from its header alone."""
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(handle)
        if fortran:
            raise DataError(f"{path}: not a C-ordered array")
        return handle.tell(), (tuple(shape), np.dtype(dtype))


def _assemble(store_dir: Path, rows: pd.DataFrame, indices, dtype, problems, split_rule: SplitRule, data_dir,
              progress: bool = False) -> PrepareReport:
    """Join the parts into landmarks.npy + sequences.csv, then write header.json last.

    The splits are computed here, not in the parts, so a resumed run splits exactly like a fresh one.
    """
    parts = sorted((store_dir / PARTS_DIR).glob("[0-9]*.json"))  # not options.json
    records, total, sizes = [], 0, []
    problems = list(problems)
    for part in parts:
        meta = json.loads(part.read_text(encoding="utf-8"))
        problems += [Problem(**p) for p in meta["problems"]]
        for seq in meta["sequences"]:
            records.append({**seq, "offset": total + seq["offset"], "file": meta["file"]})
        sizes.append(sum(seq["frames"] for seq in meta["sequences"]))
        total += sizes[-1]
    _join_landmarks(store_dir, list(zip(parts, sizes)), (len(indices), 3), dtype, progress)
    table = pd.DataFrame.from_records(records, columns=["sequence_id", "participant_id", "phrase", "frames",
                                                         "offset", "file"])
    source = dict(zip(rows.sequence_id, rows.source))
    table["source"] = table.sequence_id.map(source)
    table["split"] = split_rule.apply(table.participant_id, table.phrase)
    unused = int((table.split == "unused").sum())
    table["file"] = [os.path.relpath(f, data_dir) for f in table.file]
    table.to_csv(store_dir / "sequences.tmp.csv", index=False)
    os.replace(store_dir / "sequences.tmp.csv", store_dir / "sequences.csv")
    _atomic_json(store_dir / "skipped.json", [p.__dict__ for p in problems])
    header = {"format": STORE_FORMAT, "version": STORE_VERSION, "dtype": dtype,
              "landmarks": [LANDMARK_NAMES[i] for i in indices], "columns": columns_for(indices),
              "hand_size": HAND_SIZE, "sequences": len(table), "frames": total, "skipped": len(problems),
              "splits": {s: int((table.split == s).sum()) for s in SPLITS},
              "split_rule": split_rule.to_dict(), "moved_to_unused": unused,
              "source": str(data_dir)}
    _atomic_json(store_dir / HEADER_FILE, header)
    shutil.rmtree(store_dir / PARTS_DIR, ignore_errors=True)
    return PrepareReport(len(table), total, problems, 0, 0, unused)


class Store:
    """A prepared store, memory-mapped. `store[i]` is sequence i as float32 `(frames, landmarks, 3)`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        header = self.path / HEADER_FILE
        if not header.is_file():
            raise DataError("not a complete store (no header.json): run `fingerspell prepare` again", self.path)
        self.header = json.loads(header.read_text(encoding="utf-8"))
        if self.header.get("format") != STORE_FORMAT or self.header.get("version") != STORE_VERSION:
            raise DataError(f"unsupported store format {self.header.get('format')} "
                            f"v{self.header.get('version')}", self.path)
        self.landmarks = np.load(self.path / "landmarks.npy", mmap_mode="r")
        self.sequences = pd.read_csv(self.path / "sequences.csv", keep_default_na=False,
                                     dtype={"phrase": str, "file": str})
        self._offset = self.sequences.offset.to_numpy()
        self._frames = self.sequences.frames.to_numpy()

    @property
    def columns(self) -> list[str]:
        """The Kaggle columns of the stored landmarks, in stored order (x..., y..., z...)."""
        return self.header["columns"]

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, i: int) -> np.ndarray:
        start = self._offset[i]
        return np.asarray(self.landmarks[start:start + self._frames[i]], dtype=np.float32)

    def split(self, name: str) -> np.ndarray:
        """Row indices of one split (train, val, test or unused); an older store has no unused rows."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {SPLITS}")
        return np.flatnonzero(self.sequences.split.to_numpy() == name)

    @property
    def split_rule(self) -> SplitRule | None:
        """The rule `prepare` split this store by; None for a store older than the record."""
        rule = self.header.get("split_rule")
        return SplitRule.from_dict(rule) if rule else None

    def split_ids(self, name: str) -> np.ndarray:
        """The sequence_ids of one split."""
        return self.sequences.sequence_id.to_numpy()[self.split(name)]

    def batch(self, indices) -> list[np.ndarray]:
        return [self[int(i)] for i in indices]

    def hand_frames(self) -> np.ndarray:
        """(len(store),) int: per sequence, the frames in which either hand's wrist was detected. Counted
        once, in chunks (only the two wrist columns are read), and kept in STORE/hand_frames.npy."""
        cache = self.path / "hand_frames.npy"
        if cache.is_file():
            counts = np.load(cache, allow_pickle=False)
            if counts.shape == (len(self),):
                return counts
        names = self.header["landmarks"]
        wrists = [names.index(n) for n in ("left_hand_0", "right_hand_0") if n in names]
        seen = np.zeros(len(self.landmarks), dtype=bool)
        for start in range(0, len(seen), 1 << 20):
            block = self.landmarks[start:start + (1 << 20), wrists, 0]
            seen[start:start + len(block)] = np.isfinite(block).any(axis=1)
        cumulative = np.concatenate([[0], np.cumsum(seen, dtype=np.int64)])
        counts = cumulative[self._offset + self._frames] - cumulative[self._offset]
        try:  # a read-only store is counted again next time
            tmp = self.path / "hand_frames.tmp.npy"
            np.save(tmp, counts)
            os.replace(tmp, cache)
        except OSError:
            pass
        return counts
