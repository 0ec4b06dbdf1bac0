"""Training throughput on this machine: seconds per training step of the default model, input pipeline included.

Variants, each in its own process (the earlier pipeline's `from_generator` op changes malloc settings for
the whole process), interleaved over rounds, medians reported:
- before: the earlier pipeline (tf.data.Dataset.from_generator over the examples), the dense CTC loss,
  op determinism on;
- after: the parallel map over positions, the C++ CTC kernel on sparse labels, determinism off (the default);
- after_deterministic, after_dense_ctc, after_stored_length_buckets: the default with one part switched back
  (the last: batches grouped by the stored length, not by the length that augmentation's resampling gives).
Prints JSON; the last line has `seconds_per_step` per variant and `speedup` (before / after), and is appended to
bench/results.jsonl. The synthetic dataset and store are fingerspell.pipeline's (1,200 sequences, seed 5).

    python bench/train_step.py [--steps 30] [--rounds 3] [--out out/bench-train-step]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import generator_dataset, record

VARIANTS = ("before", "after", "after_deterministic", "after_dense_ctc", "after_stored_length_buckets")


def worker(store: str, variant: str, steps: int) -> dict:
    import numpy as np
    import tensorflow as tf
    from fingerspell.training.config import preset
    from fingerspell.models import ctc
    from fingerspell.training.trainer import Trainer, configure_tensorflow
    configure_tensorflow(0, deterministic=variant in ("before", "after_deterministic"))
    if variant in ("before", "after_dense_ctc"):
        sparse = ctc.ctc_loss
        ctc.ctc_loss = lambda *args, **kwargs: sparse(*args, **{**kwargs, "kernel": "dense"})
        import fingerspell.training.run  # noqa: F401  (run.per_example_loss looks ctc_loss up at call time)
    trainer = Trainer(store, Path(store).parent / f"run-{variant}", preset("ctc", "cpu"))
    if variant in ("before", "after_stored_length_buckets"):
        source = trainer.train_data
        source.order = lambda epoch: stored_length_order(source, epoch)
    data = generator_dataset(trainer.train_data) if variant == "before" else trainer.train_data.dataset(0)
    batches = iter(data)
    for _ in range(5):  # traces and warm-up
        float(trainer.train_step(next(batches)))
    started = time.perf_counter()
    for _ in range(steps):
        float(trainer.train_step(next(batches)))
    return {"variant": variant, "seconds_per_step": (time.perf_counter() - started) / steps}


def stored_length_order(batches, epoch: int):
    """The earlier batching: shuffled, then sorted by the stored length inside buckets of 16 batches."""
    import numpy as np
    rng = np.random.default_rng([batches.config.seed, epoch, 0])
    shuffled = rng.permutation(batches.indices)
    size, batch = batches.config.batch_size * 16, batches.config.batch_size
    buckets = [sorted(shuffled[i:i + size], key=lambda k: batches.frames[k]) for i in range(0, len(shuffled), size)]
    chunks = [b[i:i + batch] for b in buckets for i in range(0, len(b), batch)]
    return np.concatenate([chunks[i] for i in rng.permutation(len(chunks))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="out/bench-train-step")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = Path(args.out)
    if args.worker:
        print(json.dumps(worker(str(out / "store"), args.worker, args.steps)))
        return
    import numpy as np
    from fingerspell.pipeline import PipelineSpec, run_pipeline
    run_pipeline(PipelineSpec(str(out), sequences=1200, signers=20, data_seed=5), through="prepare", progress=False)
    times = {v: [] for v in VARIANTS}
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    for round_ in range(args.rounds):
        for variant in VARIANTS:
            result = subprocess.run([sys.executable, __file__, "--worker", variant, "--steps", str(args.steps),
                                     "--out", str(out)], capture_output=True, text=True, env=env)
            if result.returncode:
                raise SystemExit(result.stderr[-3000:])
            times[variant].append(json.loads(result.stdout.strip().splitlines()[-1])["seconds_per_step"])
            print(json.dumps({"round": round_, "variant": variant, "seconds_per_step": round(times[variant][-1], 4)}),
                  file=sys.stderr, flush=True)
    median = {v: round(float(np.median(t)), 4) for v, t in times.items()}
    report = {"steps": args.steps, "rounds": args.rounds, "batch_size": 32, "seconds_per_step": median,
              "speedup": round(median["before"] / median["after"], 2),
              "speedup_length_buckets": round(median["after_stored_length_buckets"] / median["after"], 2)}
    record("train_step", args, report)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
