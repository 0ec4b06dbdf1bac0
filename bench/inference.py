"""Inference speed and size of exported models, side by side in one run. Prints JSON and appends it to
bench/results.jsonl.

For each model: file size, median per-sequence latency over the benchmark's test sequences on 1 and 2
threads, the latency of a median-length (148-frame) sequence, and the competition score through the
.tflite. Models: the CTC default, our cached seq2seq, and the seed notebook's export of the same
seq2seq weights (its generate loop: 63 decoder steps over the whole prefix, no cache, no early stop).

    python bench/inference.py [--ctc RUN] [--seq2seq RUN] [--store STORE] [--limit 300]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from common import record
from fingerspell.evaluation.scoring import exported_sequences
from fingerspell.training.run import load_run
from fingerspell.export.tflite import ExportModule, convert, export_run
from fingerspell.inference import LiteModel
from fingerspell.metrics import score
from fingerspell.vocab import EOS_TOKEN, NUM_CHARACTERS, SOS_TOKEN


class SeedExport(ExportModule):
    """The notebook's TFLiteModel: generate() re-runs the decoder on the whole prefix for 63 steps."""

    def __init__(self, model, config):
        super().__init__(model, config)
        self._encode = lambda f, m: model.encode(f, m)
        self._decode = lambda t, mem, mm: model.decode(t, mem, mm)

    def tokens(self, inputs):
        memory, memory_mask = self._encode(*self.features(inputs))
        decoded = tf.fill([1, 1], SOS_TOKEN)
        for _ in range(63):  # unrolled, as the notebook's Python loop is when traced
            logits = self._decode(decoded, memory, memory_mask)
            last = tf.argmax(logits[:, -1:], axis=-1, output_type=tf.int32)
            decoded = tf.concat([decoded, last], axis=1)
        out = decoded[0, 1:]
        ends = tf.cast(tf.equal(out, EOS_TOKEN), tf.int32)
        stop = tf.where(tf.reduce_any(ends > 0), tf.argmax(ends, output_type=tf.int32), tf.shape(out)[0])
        out = out[:stop]
        return tf.boolean_mask(out, out < NUM_CHARACTERS)


def latency(model_path, sequences, threads):
    model = LiteModel(model_path, threads=threads)
    model.predict(sequences[0][3])  # warm-up
    times, predictions = [], []
    for _, _, _, frames in sequences:
        start = time.perf_counter()
        predictions.append(model.predict(frames))
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), predictions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctc", default="out/bench-accuracy/run-ctc")
    parser.add_argument("--seq2seq", default="out/bench-accuracy/run-seq2seq")
    parser.add_argument("--store", default="out/bench-accuracy/store")
    parser.add_argument("--out", default="out/bench-inference")
    parser.add_argument("--limit", type=int, default=300, help="test sequences to time")
    args = parser.parse_args()
    out = Path(args.out)
    exports = {"ctc": out / "ctc", "seq2seq_cached": out / "seq2seq"}
    export_run(args.ctc, exports["ctc"])
    export_run(args.seq2seq, exports["seq2seq_cached"])
    config, model, _ = load_run(args.seq2seq)
    seed_dir = out / "seed"
    seed_dir.mkdir(parents=True, exist_ok=True)
    (seed_dir / "model.tflite").write_bytes(convert(SeedExport(model, config)))
    (seed_dir / "inference_args.json").write_text((exports["ctc"] / "inference_args.json").read_text())
    exports["seed_notebook"] = seed_dir
    columns = json.loads((exports["ctc"] / "inference_args.json").read_text())["selected_columns"]
    sequences = list(exported_sequences(args.store, columns, "test"))[: args.limit]
    lengths = np.array([len(s[3]) for s in sequences])
    median_like = sequences[int(np.argmin(np.abs(lengths - 148)))]
    report = {"sequences": len(sequences),
              "median_frames": float(np.median(lengths)), "models": {}}
    for name, folder in exports.items():
        entry = {"bytes": (folder / "model.tflite").stat().st_size}
        for threads in (1, 2):
            median_ms, predictions = latency(folder, sequences, threads)
            entry[f"median_ms_{threads}_thread"] = round(median_ms, 3)
        entry["score"] = round(score([s[2] for s in sequences], predictions)["score"], 4)
        entry["ms_148_frames_1_thread"] = round(latency(folder, [median_like] * 20, 1)[0], 3)
        report["models"][name] = entry
    models = report["models"]
    report["ctc_speedup_vs_seed_1_thread"] = round(models["seed_notebook"]["median_ms_1_thread"]
                                                   / models["ctc"]["median_ms_1_thread"], 1)
    record("inference", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
