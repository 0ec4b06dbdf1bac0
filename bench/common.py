"""What the benchmark scripts share: running the `fingerspell` command as a user would, and `record`, the one
writer of bench/results.jsonl.

Every bench run appends one JSON line to bench/results.jsonl (FINGERSPELL_BENCH_RESULTS names another file),
all in one schema:

    {"bench": "accuracy", "date": "2026-12-04T10:00:00Z", "commit": "9ae7ae0" (or "9ae7ae0-dirty"),
     "machine": {"cpus", "platform", "arch", "processor", "python", "gpu" (or null), "memory_gb"},
     "command": "python bench/accuracy.py --minutes 10", "arguments": {the parsed options},
     "metrics": {what the bench measured: what it prints}}

Lines converted from the older results-*.json files also hold "converted_from" (the old file's name) and
"added_in" (the commit that added it, and its date); where the old file did not say which code it measured,
"commit" is null. `python bench/latest.py` prints each bench's latest figures.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results.jsonl"
RESULTS_ENV = "FINGERSPELL_BENCH_RESULTS"
SCHEMA_KEYS = ("bench", "date", "commit", "machine", "command", "arguments", "metrics")


def results_path() -> Path:
    """bench/results.jsonl, or the file FINGERSPELL_BENCH_RESULTS names (the tests' own, say)."""
    return Path(os.environ.get(RESULTS_ENV) or RESULTS)


def commit() -> str | None:
    """This checkout's short commit, "-dirty" when a tracked file differs from it (bench/results.jsonl, which
    every run changes, aside); None outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        head = git("rev-parse", "--short", "HEAD")
        changes = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                      ":(exclude)bench/results.jsonl")
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if changes else "")


def machine() -> dict:
    """Where it ran: CPUs, OS, Python, the GPU (nvidia-smi's names; None where there is none) and memory."""
    gpu = None
    try:
        names = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                               text=True, timeout=20)
        if names.returncode == 0 and names.stdout.strip():
            gpu = ", ".join(line.strip() for line in names.stdout.strip().splitlines())
    except (OSError, subprocess.SubprocessError):
        pass
    memory = None
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "arch": platform.machine(),
            "processor": _cpu_model() or platform.processor() or None, "python": platform.python_version(),
            "gpu": gpu, "memory_gb": memory}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def command_line(python: str = "python") -> str:
    """How this run was started, as a user reruns it from the checkout: `python bench/NAME.py ARGS...`."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return shlex.join([python, script.as_posix(), *sys.argv[1:]])


def record(bench: str, args, metrics: dict, command: str | None = None, path: str | Path | None = None) -> dict:
    """Append this run's line to the results file (one write of one line, then fsync) and return it.
    `args`: the argparse namespace (or a dict) of the options the run was given."""
    arguments = dict(vars(args)) if not isinstance(args, dict) else dict(args)
    line = {"bench": bench,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "commit": commit(), "machine": machine(), "command": command or command_line(),
            "arguments": arguments, "metrics": metrics}
    data = (json.dumps(line, default=str) + "\n").encode("utf-8")
    target = Path(path) if path is not None else results_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, data)
        try:
            os.fsync(handle)
        except OSError:  # (/dev/null and the like)
            pass
    finally:
        os.close(handle)
    print(f"recorded in {target}", file=sys.stderr)
    return line


def read_results(path: str | Path | None = None) -> list[dict]:
    """Every line of the results file, in order (oldest first)."""
    target = Path(path) if path is not None else results_path()
    if not target.is_file():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]


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

