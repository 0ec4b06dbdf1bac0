"""`fingerspell synth`: write a synthetic dataset in exactly the Kaggle layout, plus its statistics.

OUT_DIR/train.csv, train_landmarks/<file_id>.parquet (about 1,000 sequences each, rows grouped by
sequence, zstd), optional supplemental_metadata.csv + supplemental_landmarks/, the character map, and
synthetic_stats.json with the same keys as the published corpus statistics. Same arguments, same bytes:
every random draw comes from a generator seeded by (seed, purpose, index), whatever the worker count.
Files are written whole (temporary name, then renamed), so `resume=True` keeps the ones an interrupted
run finished, after checking that synth_plan.json records the same arguments.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

from fingerspell.io.dataset import CHARACTER_MAP_FILE, METADATA_COLUMNS, METADATA_FILES
from fingerspell.layout import COORDINATE_COLUMNS, PART_OFFSET, SEQUENCE_COLUMN
from fingerspell.io.kaggle import landmarks_table, runs_of
from fingerspell.synth.phrases import KINDS, phrase_kind, random_phrase, random_sentence
from fingerspell.synth.handshapes import shape_bank
from fingerspell.synth.render import make_signer, render_sequence
from fingerspell.vocab import write_character_map

STATS_FILE = "synthetic_stats.json"
PLAN_FILE = "synth_plan.json"
# what a seed renders: raise it whenever the generator's output for the same arguments changes, so that a
# resumed run never mixes two worlds and `fingerspell demo` makes its set again (2026-12-07: doubled letters)
GENERATOR_VERSION = 2
SEQUENCES_PER_ROW_GROUP = 100  # lets a reader fetch one sequence without reading its whole file
PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)


def plan_metadata(sequences: int, signers: int, seed: int, supplemental: int = 0,
                  sequences_per_file: int = 1000) -> pd.DataFrame:
    """The metadata rows of the dataset: who signs what, in which file. Cheap; no landmarks."""
    rng = np.random.default_rng([seed, 1])
    participant_ids = np.sort(1 + rng.choice(255, size=signers, replace=False))
    weights = rng.gamma(2.0, 1.0, signers)  # some signers record far more than others
    rows, taken = [], np.zeros(0, np.int64)
    for source, count in (("train", sequences), ("supplemental", supplemental)):
        if count == 0:
            continue
        phrases = _phrases(rng, count, sentences=source == "supplemental")
        who = rng.choice(participant_ids, size=count, p=weights / weights.sum())
        ids = np.sort(1_000_000_000 + rng.choice(1_147_000_000, size=count, replace=False))
        ids = apart_from(ids, taken, np.random.default_rng([seed, 4]))
        taken = np.concatenate([taken, ids])
        n_files = -(-count // sequences_per_file)
        file_ids = np.sort(1_000_000 + rng.choice(1_999_000_000, size=n_files, replace=False))
        folder = METADATA_FILES[source].replace("_metadata.csv", "").replace(".csv", "") + "_landmarks"
        for k in range(count):
            file_id = int(file_ids[k * n_files // count])
            rows.append((f"{folder}/{file_id}.parquet", file_id, int(ids[k]), int(who[k]), phrases[k], source))
    return pd.DataFrame(rows, columns=[*METADATA_COLUMNS, "source"])


def apart_from(ids: np.ndarray, taken: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`ids` (sorted) with any that another source already uses redrawn, sorted again. Each source draws
    its ids alone, so at the real size (67,208 + 52,958 of 1.1e9) a few coincide; the redraw uses a
    generator of its own, so a dataset without a clash keeps every id and byte it had."""
    clash = np.isin(ids, taken)
    while clash.any():
        ids = ids.copy()
        ids[clash] = 1_000_000_000 + rng.integers(1_147_000_000, size=int(clash.sum()))
        ids = np.sort(ids)
        clash = np.isin(ids, taken) | np.r_[False, ids[1:] == ids[:-1]]
    return ids


def _phrases(rng: np.random.Generator, count: int, sentences: bool) -> list[str]:
    """Like the corpus, ~40% of sequences repeat a phrase someone else also signed."""
    make = random_sentence if sentences else random_phrase
    pool = [make(rng) for _ in range(max(1, count // 10))]
    return [make(rng) if rng.random() < 0.6 else pool[rng.integers(len(pool))] for _ in range(count)]


def _signers(seed: int, participant_ids, sources=None) -> dict:
    return {int(p): make_signer(np.random.default_rng([seed, 2, int(p)]), int(p), sources) for p in participant_ids}


def write_parquet_file(path: Path, rows: pd.DataFrame, seed: int, signer_table: dict,
                       per_row_group: int = SEQUENCES_PER_ROW_GROUP) -> list[dict]:
    """Render every sequence of one file and write it atomically; returns per-sequence statistics."""
    tmp = path.with_name(path.name + ".tmp")
    writer, stats = None, []
    try:
        for start in range(0, len(rows), per_row_group):
            chunk = rows.iloc[start:start + per_row_group]
            arrays = [render_sequence(r.phrase, signer_table[r.participant_id],
                                      np.random.default_rng([seed, 3, r.sequence_id]))
                      for r in chunk.itertuples(index=False)]
            stats += [_sequence_stats(a, r.phrase) for a, r in zip(arrays, chunk.itertuples(index=False))]
            table = landmarks_table(arrays, chunk.sequence_id.to_numpy())
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd", use_dictionary=["sequence_id"],
                                          use_byte_stream_split=list(COORDINATE_COLUMNS),
                                          write_statistics=["sequence_id", "frame"])
            writer.write_table(table, row_group_size=table.num_rows)
        writer.close()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return stats


def _sequence_stats(array: np.ndarray, phrase: str) -> dict:
    return _hand_stats(np.isnan(array[:, PART_OFFSET["left_hand"], 0]),
                       np.isnan(array[:, PART_OFFSET["right_hand"], 0]), phrase)


def _hand_stats(left: np.ndarray, right: np.ndarray, phrase: str) -> dict:
    """A sequence's statistics from its frames' missing left and right wrists (x coordinate)."""
    return {"frames": len(left), "chars": len(phrase), "left_missing": int(left.sum()),
            "right_missing": int(right.sum()), "no_hand": int((left & right).sum()), "kind": phrase_kind(phrase)}


def _job(args):
    path, rows, seed, participant_ids, per_row_group, sources = args
    return write_parquet_file(Path(path), rows, seed, _signers(seed, participant_ids, sources), per_row_group)


def _written_stats(path: Path, rows: pd.DataFrame) -> list[dict]:
    """The statistics of a file an earlier run finished, read back (three columns) instead of rendered."""
    wrists = [COORDINATE_COLUMNS[PART_OFFSET[part]] for part in ("left_hand", "right_hand")]  # x_*_hand_0
    table = pq.read_table(path, columns=[SEQUENCE_COLUMN, *wrists])
    runs = runs_of(table.column(SEQUENCE_COLUMN).to_numpy(), path)
    left, right = (np.isnan(table.column(c).to_numpy(zero_copy_only=False)) for c in wrists)
    stats = []
    for r in rows.itertuples(index=False):
        if r.sequence_id not in runs:
            raise ValueError(f"{path}: sequence {r.sequence_id} of the plan is not in the file; synthesize again "
                             "without --resume")
        start, stop = runs[r.sequence_id]
        stats.append(_hand_stats(left[start:stop], right[start:stop], r.phrase))
    return stats


def synth_plan(sequences: int, signers: int, seed: int, supplemental: int = 0, sequences_per_file: int = 1000,
               sequences_per_row_group: int = SEQUENCES_PER_ROW_GROUP,
               sources: tuple[str, ...] | None = None) -> dict:
    """What synth_plan.json records: the arguments and the generator's version."""
    return {"sequences": sequences, "signers": signers, "seed": seed, "supplemental": supplemental,
            "sequences_per_file": sequences_per_file, "sequences_per_row_group": sequences_per_row_group,
            "sources": sorted(sources) if sources else None, "generator": GENERATOR_VERSION}


def _check_plan(out_dir: Path, plan: dict, resume: bool) -> None:
    """Record the arguments; a resumed run must have been started with the same ones."""
    path = out_dir / PLAN_FILE
    if resume:
        if not path.is_file():
            raise ValueError(f"{out_dir}: nothing to resume ({PLAN_FILE} missing); synthesize without --resume")
        before = json.loads(path.read_text(encoding="utf-8"))
        changed = sorted(k for k in plan.keys() | before.keys() if plan.get(k) != before.get(k))
        if changed:
            raise ValueError(f"{out_dir}: its files were written with other arguments ("
                             + ", ".join(f"{k}: {before.get(k)!r}, now {plan.get(k)!r}" for k in changed)
                             + "); resume with the same ones or synthesize without --resume")
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def synthesize(out_dir: str | Path, sequences: int = 3000, signers: int = 30, seed: int = 0,
               supplemental: int = 0, sequences_per_file: int = 1000, workers: int = 1,
               progress: bool = True, sequences_per_row_group: int = SEQUENCES_PER_ROW_GROUP,
               sources: tuple[str, ...] | None = None, resume: bool = False) -> dict:
    """Write the dataset; returns its statistics (also written to OUT_DIR/synthetic_stats.json).

    `sources`: the real signers whose handshapes the synthetic signers are drawn from (default: all in the
    bank; see handshapes.shape_bank). Leaving one out lets that signer test a model trained on the rest.
    `resume`: keep the files an interrupted run with the same arguments finished."""
    if sequences < 1 or signers < 1:
        raise ValueError("need at least one sequence and one signer")
    out_dir = Path(out_dir)
    _check_plan(out_dir, synth_plan(sequences, signers, seed, supplemental, sequences_per_file,
                                    sequences_per_row_group, sources), resume)
    meta = plan_metadata(sequences, signers, seed, supplemental, sequences_per_file)
    participant_ids = sorted(meta.participant_id.unique().tolist())
    jobs, per_file = [], {}
    for path, rows in meta.groupby("path", sort=True):
        (out_dir / path).parent.mkdir(parents=True, exist_ok=True)
        rows = rows.reset_index(drop=True)
        if resume and (out_dir / path).is_file():
            per_file[str(out_dir / path)] = _written_stats(out_dir / path, rows)
            continue
        jobs.append((str(out_dir / path), rows, seed, participant_ids, sequences_per_row_group,
                     tuple(sources) if sources else None))
    bar = tqdm(total=len(meta), initial=sum(map(len, per_file.values())), desc="synth", unit="seq",
               disable=not progress)
    if workers <= 1:
        for job in jobs:
            per_file[job[0]] = _job(job)
            bar.update(len(job[1]))
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            for job, result in zip(jobs, pool.map(_job, jobs)):
                per_file[job[0]] = result
                bar.update(len(job[1]))
    bar.close()
    for source, rows in meta.groupby("source"):
        rows[list(METADATA_COLUMNS)].to_csv(out_dir / METADATA_FILES[source], index=False)
    write_character_map(out_dir / CHARACTER_MAP_FILE)
    train_stats = [s for path in sorted(per_file) if "train_landmarks" in path for s in per_file[path]]
    stats = corpus_statistics(meta[meta.source == "train"], train_stats)
    stats["handshape_sources"] = sorted(sources) if sources else sorted(shape_bank())
    (out_dir / STATS_FILE).write_text(json.dumps(stats, indent=1), encoding="utf-8")
    return stats


def _describe(values, keys=("mean", "std", "min", *[f"p{p}" for p in PERCENTILES], "max")) -> dict:
    values = np.asarray(values, dtype=np.float64)
    table = {"mean": values.mean(), "std": values.std(), "min": values.min(), "max": values.max()}
    table.update({f"p{p}": np.percentile(values, p) for p in PERCENTILES})
    return {k: round(float(table[k]), 3) for k in keys}


def corpus_statistics(meta: pd.DataFrame, seq_stats: list[dict]) -> dict:
    """The published statistics' keys (aslfr_published_stats.json), measured on the generated data."""
    s = pd.DataFrame(seq_stats)
    any_hand = s.frames - s.no_hand
    counts = meta.phrase.value_counts()
    return {
        "corpus": {"train_sequences": len(meta), "train_participants": int(meta.participant_id.nunique()),
                   "train_parquet_files": int(meta.path.nunique()), "unique_train_phrases": int(len(counts)),
                   "fraction_sequences_with_phrase_repeated": round(float(meta.phrase.map(counts).gt(1).mean()), 4)},
        "frames_per_sequence_train": _describe(s.frames),
        "frames_per_char_train": _describe(s.frames / s.chars),
        "phrase_length_chars_train": _describe(s.chars),
        "hand_presence_per_sequence_train": {
            "frames_with_no_hand": _describe(s.no_hand, ("mean", "p25", "p50", "p75", "max")),
            "frames_left_hand_missing": _describe(s.left_missing, ("mean", "p50")),
            "frames_right_hand_missing": _describe(s.right_missing, ("mean", "p50")),
            "frames_with_any_hand": _describe(any_hand, ("mean", "p5", "p25", "p50", "p75", "max")),
            "hand_frames_ratio": _describe(any_hand / s.frames, ("mean", "std", "min", "p25", "p50", "p75", "max")),
            "derived_mean_missing_fraction": {
                "left_hand": round(float(s.left_missing.sum() / s.frames.sum()), 3),
                "right_hand": round(float(s.right_missing.sum() / s.frames.sum()), 3),
                "both_hands": round(float(s.no_hand.sum() / s.frames.sum()), 3)}},
        "phrase_type_train_approx": {k: round(float((s.kind == k).mean()), 3) for k in KINDS},
    }


def compare_statistics(ours: dict, published: dict) -> list[tuple[str, float, float]]:
    """(key, published, synthetic) for every numeric key the two share, for a side-by-side table."""
    rows = []

    def walk(a, b, prefix):
        for key, value in a.items():
            if key not in b:
                continue
            if isinstance(value, dict) and isinstance(b[key], dict):
                walk(value, b[key], f"{prefix}{key}.")
            elif isinstance(value, (int, float)) and isinstance(b[key], (int, float)):
                rows.append((prefix + key, float(value), float(b[key])))
    walk(published, ours, "")
    return rows
