"""The training input pipeline alone: sequences per second it delivers, all augmentations on.

`ours` is `data.Batches.dataset()` as training uses it (batch starts in; one Python call per batch reads the
memory-mapped store, augments (numpy and numba) and pads; prefetch). In the full preset the features are
computed inside the compiled training step (`features_in_step`), on the GPU, so the pipeline delivers
landmark batches; `ours_host_features` is the same pipeline computing the batch features itself as well
(XLA-compiled), as it does when `features_in_step` is off: what a CPU pays for both.
`baseline` is the pipeline this replaced, rebuilt from the same per-example code: a Python generator
through `tf.data.Dataset.from_generator`, feature map and prefetch fixed at 2. Each runs in its own process
(from_generator changes malloc settings for the whole process), alternating, `--rounds` times; medians.
No model runs: this is what a GPU could be fed at most.

    python bench/pipeline.py [--store STORE] [--preset full] [--batches 20] [--rounds 3] [--compare-to CHECKOUT]

`--compare-to` also runs another checkout's `ours` (e.g. a `git worktree` of an earlier commit, with its
own bench/pipeline.py) in the same loop, on the same store: `other_sequences_per_s`.

Without --store a synthetic store (with the lips, as the full preset reads them) is made in --out
(fingerspell.pipeline). The last line of output is JSON with `sequences_per_s`, `host_features_sequences_per_s`
and `baseline_sequences_per_s`; it is appended to bench/results.jsonl with every round's figures under "runs".
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import record

VARIANTS = ("baseline", "ours_host_features", "ours")  # (run in this order in every round)


def measure(store_path: str, preset_name: str, batches: int, which: str, warmup: int) -> dict:
    from common import generator_dataset
    from fingerspell.training.config import preset
    from fingerspell.training.batches import Batches
    from fingerspell.store.store import Store
    store = Store(store_path)
    config = preset("ctc", preset_name)
    if which == "ours_host_features":
        config = config.replace(features_in_step=False)
    data = Batches(store, store.split("train"), config, training=True)
    dataset = generator_dataset(data) if which == "baseline" else data.dataset(0)
    iterator = iter(dataset.repeat())
    started = time.perf_counter()
    for _ in range(max(warmup, 1)):  # tracing, first reads, the XLA compilation of each batch length
        next(iterator)
    warmup_seconds = time.perf_counter() - started
    started, sequences, frames = time.perf_counter(), 0, 0
    for _ in range(batches):
        batch = next(iterator)
        sequences += int(batch["index"].shape[0])
        frames += int(batch["lengths"].numpy().sum() if "lengths" in batch else batch["mask"].numpy().sum())
    seconds = time.perf_counter() - started
    del iterator  # (a live iterator at interpreter exit can hang tf.data's Python-calling threads)
    extra = {}
    if which == "ours":  # read + augment + cap of one example, plain Python, no tf.data
        order, factors = data.order(0), data.resample_factors(0)
        count = min(256, len(order))
        started = time.perf_counter()
        for position in range(count):
            data.example(0, position, int(order[position]), float(factors[order[position]]))
        extra["example_us_per_sequence"] = round((time.perf_counter() - started) / count * 1e6, 1)
    return {**extra, "which": which, "warmup_batches": max(warmup, 1), "warmup_seconds": round(warmup_seconds, 2),
            "sequences": sequences, "seconds": round(seconds, 3),
            "sequences_per_s": round(sequences / seconds, 1), "frames_per_s": round(frames / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store")
    parser.add_argument("--preset", default="full", choices=("cpu", "full"))
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=20,
                        help="batches drawn before timing (the full preset compiles each batch length once)")
    parser.add_argument("--out", default="out/bench-pipeline")
    parser.add_argument("--compare-to", metavar="CHECKOUT", help="another checkout whose `ours` runs in the same loop")
    parser.add_argument("--one", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.store, args.preset, args.batches, args.one, args.warmup)))
        return
    store = args.store
    if store is None:
        from fingerspell.pipeline import PipelineSpec, run_pipeline
        spec = PipelineSpec(args.out, sequences=1500, signers=30, data_seed=7, lips=args.preset == "full")
        run_pipeline(spec, through="prepare", progress=False)
        store = str(spec.folders["store"])
    runs = {which: [] for which in VARIANTS + (("other",) if args.compare_to else ())}
    for _ in range(args.rounds):
        for which in runs:
            script, env = __file__, dict(os.environ)
            if which == "other":  # that checkout's bench and package
                other = Path(args.compare_to).resolve()
                script, env["PYTHONPATH"] = str(other / "bench" / "pipeline.py"), str(other / "src")
            result = subprocess.run([sys.executable, script, "--one", "ours" if which == "other" else which,
                                     "--store", str(Path(store).resolve()), "--preset", args.preset,
                                     "--batches", str(args.batches), "--warmup", str(args.warmup)],
                                    capture_output=True, text=True, check=True, env=env)
            runs[which].append(json.loads(result.stdout.strip().splitlines()[-1]))
    from fingerspell.training.config import preset
    ours, host, baseline = (statistics.median(r["sequences_per_s"] for r in runs[which]) for which in VARIANTS[::-1])
    summary = {"store": store, "preset": args.preset, "batches_per_round": args.batches,
               "warmup_batches": args.warmup, "rounds": args.rounds,
               "features_in_step": preset("ctc", args.preset).features_in_step,
               "sequences_per_s": ours, "host_features_sequences_per_s": host,
               "baseline_sequences_per_s": baseline, "ratio": round(ours / baseline, 2),
               **({"other": args.compare_to,
                   "other_sequences_per_s": statistics.median(r["sequences_per_s"] for r in runs["other"])}
                  if args.compare_to else {})}
    record("pipeline", args, {**summary, "runs": runs})
    print(json.dumps({"runs": runs}))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
