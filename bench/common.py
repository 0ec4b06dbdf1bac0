"""What the benchmark scripts share: running the `fingerspell` command as a user would."""
from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> str:
    """`fingerspell ARGS...` in a subprocess; its last line of output (JSON where asked), or exit with its error."""
    result = subprocess.run([sys.executable, "-m", "fingerspell", *args], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"fingerspell {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def training_parser(doc: str, out: str):
    """The options every training benchmark takes: budget, the synthetic dataset, where results go."""
    import argparse
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per model (wall clock)")
    parser.add_argument("--sequences", type=int, default=3000)
    parser.add_argument("--signers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", default=out)
    return parser


def generator_dataset(batches):
    """The earlier input pipeline, kept as the benches' baseline: one Python generator, a map of 2."""
    import numpy as np
    import tensorflow as tf
    from fingerspell.training.batches import _as_dict
    from fingerspell.features import compute_features
    points = len(batches.store.header["landmarks"])
    signature = (tf.TensorSpec([None, points, 3], tf.float32), tf.TensorSpec([None], tf.int32),
                 tf.TensorSpec([], tf.int64))
    data = tf.data.Dataset.from_generator(lambda: batches.examples(0), output_signature=signature)
    layout, max_frames = batches.layout, batches.config.max_frames

    def to_features(frames, labels, index):
        features = compute_features(frames, layout, max_frames)
        return features, tf.shape(features)[0], labels, tf.shape(labels)[0], index, index  # (no positions)
    data = data.map(to_features, num_parallel_calls=2, deterministic=True)
    data = data.padded_batch(batches.config.batch_size, padding_values=(0.0, 0, 0, 0, np.int64(0), np.int64(0)))
    return data.map(_as_dict).prefetch(2)
