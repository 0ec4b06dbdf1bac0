"""Real size: synthesise a corpus shaped like the Kaggle one, prepare it, train the `full` preset from it.

    python bench/scale.py [--fraction 1.0] [--steps 200] [--out out/bench-scale] [--workers 2]

--fraction 1.0 is the real size: 67,208 train.csv sequences by 94 signers plus 52,958 supplemental
sentences, at the real frame statistics (the generator's; README table). Smaller fractions keep the same
shape (a quick run of the whole path). Steps, in order, each timed and each reused when its output exists
(the first two are fingerspell.pipeline's, run through it):
  1. synth: the corpus (never committed; delete --out afterwards), in a process of its own (an
     interrupted one is resumed: `synth_resumed` says so, and its minutes are then the rest's only);
  2. prepare (with the lips, as the `full` preset reads them) in a process of its own: minutes, store size,
     and the peak resident memory of the largest process it ran (its workers included);
  Each of the two runs under a fresh intermediary process whose RUSAGE_CHILDREN holds only that step's
  processes, so the synth workers' memory is not counted as prepare's.
  3. train: `--steps` steps of the `full` preset from the store, in a subprocess: steps per second (after
     the first 10, which trace) and memory (own, mapped store pages, shared, peak) of the training process
     and of each input worker at step 20 and at the end, so a leak shows.
Prints JSON and appends it to bench/results.jsonl.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import record

REAL_TRAIN, REAL_SUPPLEMENTAL, REAL_SIGNERS = 67_208, 52_958, 94


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def memory_mb(pid="self") -> dict:
    """A process's memory: `anonymous` is its own (heap, tensors); `file` is store pages it has mapped
    and read, which the kernel drops under pressure (a 30 GB store read at random fills the page cache, so
    the peak resident size says little about what training needs); `shared` is shared memory it has touched
    (the input workers' batch slots, the same pages in every process); `peak_resident` (this process only)
    is all of them, at most."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    status = dict(line.split(":", 1) for line in lines if ":" in line)
    kb = lambda key: round(int(status[key].split()[0]) / 1024, 1) if key in status else None
    memory = {"anonymous": kb("RssAnon"), "file": kb("RssFile"), "shared": kb("RssShmem")}
    if pid == "self":
        memory["peak_resident"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return memory


def train_steps(store: str, steps: int) -> dict:
    """`steps` training steps of the full preset; runs in its own process (see main)."""
    import numpy as np
    from fingerspell.training.config import preset
    from fingerspell.training.trainer import Trainer, configure_tensorflow
    import tempfile
    configure_tensorflow(0)
    config = preset("ctc", "full")
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = Trainer(store, run_dir, config)
        iterator = iter(trainer.train_data.dataset(0).repeat())
        rss, times, last = {}, [], None
        for step in range(1, steps + 1):
            loss = trainer.train_step(next(iterator))
            if step % 10 == 0 or step == steps:
                last = float(loss)  # read back every 10 steps, as training does
            times.append(time.perf_counter())
            if step in (20, steps):
                rss[f"memory_mb_at_step_{step}"] = memory_mb()
                rss[f"input_workers_memory_mb_at_step_{step}"] = [
                    memory_mb(pid) for pid in trainer.train_data.input_worker_pids()]
        del iterator  # (a live iterator at interpreter exit can hang)
    timed = np.diff(times[9:])
    return {"steps": steps, "steps_per_s": round(1 / float(np.median(timed)), 4) if len(timed) else None,
            "median_step_s": round(float(np.median(timed)), 3) if len(timed) else None,
            "last_loss": last, "finite": bool(np.isfinite(last)), **rss,
            "train_sequences": int(len(trainer.train_data.indices)), "global_batch": trainer.global_batch,
            "max_frames": config.max_frames}


def corpus(args):
    """The pipeline's spec of the synthetic corpus at `--fraction` of the real size, and its store (with the lips)."""
    from fingerspell.pipeline import PipelineSpec
    return PipelineSpec(args.out, sequences=round(REAL_TRAIN * args.fraction), signers=REAL_SIGNERS,
                        supplemental=round(REAL_SUPPLEMENTAL * args.fraction), data_seed=67208, lips=True,
                        workers=args.workers)


def measured(step: str, args) -> tuple[float, float, dict]:
    """(minutes, peak RSS in MB of the largest process, run_pipeline's result) of the pipeline run through
    `step` in a process of its own, counted apart from the rest."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, __file__, "--peak-rss-of", sys.executable, __file__, "--through", step,
                             "--fraction", str(args.fraction), "--workers", str(args.workers), "--out", args.out],
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the pipeline through {step} failed:\n{result.stderr[-3000:]}")
    *_, made, peak = result.stdout.strip().splitlines()
    return round((time.monotonic() - started) / 60, 2), json.loads(peak)["peak_rss_mb"], json.loads(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fraction", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="out/bench-scale")
    parser.add_argument("--train-only", help=argparse.SUPPRESS)
    parser.add_argument("--through", choices=("synth", "prepare"), help=argparse.SUPPRESS)
    parser.add_argument("--peak-rss-of", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_rss_of:  # run one command; its largest process's peak RSS (MB) is this process's children's
        subprocess.run(args.peak_rss_of, check=True)
        print(json.dumps({"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}))
        return
    if args.train_only:
        print(json.dumps(train_steps(args.train_only, args.steps)))
        return
    if args.through:  # one step of the pipeline, in the process `measured` watches
        from fingerspell.pipeline import run_pipeline
        made = run_pipeline(corpus(args), through=args.through, progress=False)
        print(json.dumps({k: made[k] for k in ("done", "reused", "resumed")}))
        return
    spec = corpus(args)
    data, store = spec.folders["data"], spec.folders["store"]
    report = {"fraction": args.fraction, "sequences": spec.sequences, "supplemental": spec.supplemental,
              "signers": spec.signers}
    minutes, rss, made = measured("synth", args)
    if "synth" in made["done"]:
        report["synth_minutes"], report["synth_peak_rss_mb_largest_process"] = minutes, rss
        report["synth_resumed"] = "synth" in made["resumed"]  # (its minutes are then the rest's only)
    report["dataset_gb"] = round(folder_bytes(data) / 1e9, 3)
    minutes, rss, made = measured("prepare", args)
    if "prepare" in made["done"]:
        report["prepare_minutes"], report["prepare_peak_rss_mb_largest_process"] = minutes, rss
    report["store_gb"] = round(folder_bytes(store) / 1e9, 3)
    result = subprocess.run([sys.executable, __file__, "--train-only", str(store), "--steps", str(args.steps)],
                            capture_output=True, text=True, check=True)
    report["train"] = json.loads(result.stdout.strip().splitlines()[-1])
    record("scale", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
