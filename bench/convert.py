"""Conversion speed: the seed notebook's TFRecord conversion against `fingerspell prepare`, one worker.

Both convert the same 1,000-sequence Kaggle parquet file; we report input frames per second (median of
--repeats runs, interleaved so machine noise hits both alike) and their ratio, plus the median time to
read a random batch of 64 sequences from the store. Prints JSON and appends it to bench/results.jsonl.

    python bench/convert.py [--data DIR] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from common import record
from fingerspell.pipeline import PipelineSpec, run_pipeline
from fingerspell.store.store import Store, convert_file, store_landmarks

# The notebook's feature columns: both hands, x then y then z, right hand first.
NOTEBOOK_COLUMNS = ([f"x_right_hand_{i}" for i in range(21)] + [f"x_left_hand_{i}" for i in range(21)]
                    + [f"y_right_hand_{i}" for i in range(21)] + [f"y_left_hand_{i}" for i in range(21)]
                    + [f"z_right_hand_{i}" for i in range(21)] + [f"z_left_hand_{i}" for i in range(21)])


def notebook_conversion(parquet_file: Path, rows: pd.DataFrame, out: Path) -> None:
    """The seed notebook's cell 16: whole file to pandas, a boolean mask per sequence, one FloatList per
    column, the phrase as bytes, one tf.train.Example per sequence (filtered as it filters)."""
    import tensorflow as tf
    frame = pq.read_table(parquet_file).to_pandas()
    numpy_frame = frame.to_numpy()
    positions = [frame.columns.get_loc(c) for c in NOTEBOOK_COLUMNS]
    right = positions[0:21] + positions[42:63] + positions[84:105]
    left = positions[21:42] + positions[63:84] + positions[105:126]
    with tf.io.TFRecordWriter(str(out)) as writer:
        for sequence_id, phrase in zip(rows.sequence_id, rows.phrase):
            frames = numpy_frame[frame.index == sequence_id]
            r_nonan = np.sum(np.sum(np.isnan(frames[:, right]), axis=1) == 0)
            l_nonan = np.sum(np.sum(np.isnan(frames[:, left]), axis=1) == 0)
            if 2 * len(phrase) < max(r_nonan, l_nonan):
                features = {c: tf.train.Feature(float_list=tf.train.FloatList(value=frames[:, p]))
                            for c, p in zip(NOTEBOOK_COLUMNS, positions)}
                features["phrase"] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[phrase.encode()]))
                example = tf.train.Example(features=tf.train.Features(feature=features))
                writer.write(example.SerializeToString())


def ours(parquet_file: Path, rows: pd.DataFrame, out: Path) -> None:
    members = [(int(s), int(p), str(t)) for s, p, t in zip(rows.sequence_id, rows.participant_id, rows.phrase)]
    convert_file(str(parquet_file), members, store_landmarks(), "float32", str(out), False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="a Kaggle-layout dataset (default: synthesise 1,000 sequences)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fingerspell-bench-"))
    # the dataset (given, or synthesised) and its store, one worker each
    spec = PipelineSpec(str(work), sequences=1000, signers=20, data_seed=0, data=args.data, workers=1)
    data = spec.folders["data"]
    if not args.data:
        run_pipeline(spec, through="synth", progress=False)
    train = pd.read_csv(data / "train.csv", keep_default_na=False)
    path = train.path.value_counts().index[0]
    rows = train[train.path == path]
    frames = pq.read_table(data / path, columns=["frame"]).num_rows
    times = {"notebook": [], "fingerspell": []}
    for k in range(args.repeats):
        for name, run in (("notebook", notebook_conversion), ("fingerspell", ours)):
            start = time.perf_counter()
            run(data / path, rows, work / f"{name}-{k}")
            times[name].append(time.perf_counter() - start)
    run_pipeline(spec, through="prepare", progress=False)
    store = Store(spec.folders["store"])
    rng = np.random.default_rng(0)
    batch_ms = []
    for _ in range(200):
        start = time.perf_counter()
        store.batch(rng.integers(0, len(store), 64))
        batch_ms.append(1000 * (time.perf_counter() - start))
    fps = {name: frames / statistics.median(t) for name, t in times.items()}
    report = {
        "file": str(path), "sequences": len(rows), "frames": frames, "repeats": args.repeats,
        "notebook_seconds_median": round(statistics.median(times["notebook"]), 3),
        "fingerspell_seconds_median": round(statistics.median(times["fingerspell"]), 3),
        "notebook_frames_per_second": round(fps["notebook"]),
        "fingerspell_frames_per_second": round(fps["fingerspell"]),
        "speedup": round(fps["fingerspell"] / fps["notebook"], 1),
        "store_random_batch64_ms_median": round(statistics.median(batch_ms), 3),
        "store_random_batch64_ms_p95": round(float(np.percentile(batch_ms, 95)), 3),
    }
    record("convert", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
