"""`fingerspell extract INPUT... -o OUT_DIR`: videos or images -> MediaPipe Holistic -> the Kaggle layout.

OUT_DIR/landmarks/<sequence_id>.parquet (wide layout, one sequence each, written atomically) and
OUT_DIR/metadata.csv (path,file_id,sequence_id,participant_id,phrase plus source, frames, fps, and the
image's width and height).
MediaPipe runs in its own environment (see holistic_worker.py); `fingerspell setup-video` makes it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

from fingerspell.io.kaggle import landmarks_table

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
VIDEO_ENV_PACKAGES = ("mediapipe==0.10.21", "numpy<2")  # the last MediaPipe with offline legacy Holistic
DEFAULT_VIDEO_ENV = Path.home() / ".cache" / "fingerspell" / "video-env"
WORKER = Path(__file__).with_name("holistic_worker.py")
METADATA = "metadata.csv"


def is_media(path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES + IMAGE_SUFFIXES


def video_python() -> str:
    """The Python of the video environment, or an actionable error."""
    candidates = [os.environ.get("FINGERSPELL_VIDEO_PYTHON"), DEFAULT_VIDEO_ENV / "bin" / "python",
                  Path(__file__).resolve().parents[3] / ".venv-video" / "bin" / "python"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise RuntimeError("video extraction needs MediaPipe Holistic in its own environment: run "
                       "`fingerspell setup-video` (creates ~/.cache/fingerspell/video-env with mediapipe 0.10.21), "
                       "or point FINGERSPELL_VIDEO_PYTHON at a Python that has it")


def setup_video_env(env_dir: str | Path = DEFAULT_VIDEO_ENV) -> str:
    """Create the video environment (a venv with MediaPipe 0.10.21 and numpy < 2); returns its Python."""
    env_dir = Path(env_dir)
    python = env_dir / "bin" / "python"
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *VIDEO_ENV_PACKAGES], check=True)
    return str(python)


def sequence_id_for(path) -> int:
    """A stable id per input file (its absolute path's CRC-32), so reruns overwrite, not duplicate."""
    return zlib.crc32(str(Path(path).resolve()).encode())


def extract(inputs: list[str], out_dir, progress: bool = True) -> list[dict]:
    """Run Holistic over each input; returns one result per input (ok, frames, fps or reason)."""
    out_dir = Path(out_dir)
    (out_dir / "landmarks").mkdir(parents=True, exist_ok=True)
    results = [{"input": str(p), "ok": False, "reason": "not processed"} for p in inputs]
    with tempfile.TemporaryDirectory() as scratch:
        for k, path in enumerate(inputs):
            if not Path(path).is_file():
                results[k]["reason"] = "file not found"
            elif Path(path).stat().st_size == 0:
                results[k]["reason"] = "empty file (0 bytes)"
        runnable = [k for k, r in enumerate(results) if r["reason"] == "not processed"]
        if runnable:
            _run_worker([inputs[k] for k in runnable], scratch, runnable, results, progress)
        rows = [_write_sequence(out_dir, inputs[k], Path(scratch) / f"{runnable.index(k)}.npy", results[k])
                for k in runnable if results[k]["ok"]]
    _update_metadata(out_dir, rows)
    return results


def _run_worker(paths, scratch, positions, results, progress):
    command = [video_python(), str(WORKER), scratch, *[str(Path(p).resolve()) for p in paths]]
    bar = tqdm(desc="extract", unit="frame", disable=not progress)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as worker:
        for line in worker.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            k = positions[message["input"]]
            if "total" in message:
                bar.reset(total=message["total"] or None)
                bar.set_description(f"extract {Path(paths[message['input']]).name}")
            elif "done" in message:
                bar.n = message["done"]
                bar.refresh()
            else:
                results[k] = {"input": results[k]["input"], **{key: v for key, v in message.items() if key != "input"}}
                if message.get("ok"):
                    results[k]["fps"] = round(message["frames"] / max(message["seconds"], 1e-9), 1)
    bar.close()


def _write_sequence(out_dir: Path, source: str, npy: Path, result: dict) -> dict:
    frames = np.load(npy, allow_pickle=False)  # written by our worker, never pickled
    sequence_id = sequence_id_for(source)
    relative = f"landmarks/{sequence_id}.parquet"
    target = out_dir / relative
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(landmarks_table([frames], [sequence_id]), tmp, compression="zstd")
    os.replace(tmp, target)
    result.update(sequence_id=sequence_id, path=str(target))
    return {"path": relative, "file_id": sequence_id, "sequence_id": sequence_id, "participant_id": 0, "phrase": "",
            "source": str(Path(source).resolve()), "frames": len(frames), "fps": result.get("fps"),
            "width": result.get("width"), "height": result.get("height")}


def _update_metadata(out_dir: Path, rows: list[dict]) -> None:
    """Merge this run's rows into OUT_DIR/metadata.csv (same input -> same row), atomically."""
    path = out_dir / METADATA
    table = pd.DataFrame(rows, columns=["path", "file_id", "sequence_id", "participant_id", "phrase", "source",
                                        "frames", "fps", "width", "height"])
    if path.is_file():
        old = pd.read_csv(path, keep_default_na=False)
        table = pd.concat([old[~old.sequence_id.isin(table.sequence_id)], table], ignore_index=True)
    tmp = path.with_name(METADATA + ".tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)
