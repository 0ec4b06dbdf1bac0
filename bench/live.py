"""The live page (`fingerspell serve`) in headless Chromium: frames per second, time to first reading, asset size.

A fake camera plays MediaPipe's gesture clip (real pixels, Apache-2.0; ../shared/data/hands) at 25 frames/s
and 640 pixels wide, looped; the page reads frames as fast as it can (the rest are dropped, as from a real
camera) with the bundled model. Measured: frames read per second over `--seconds` after the first frame,
per stage milliseconds (Holistic, Hands where Holistic found no hand, both with the trips to their
workers, the model), how many Holistic workers the page ran and whether they read the face (not for a model
that reads none, such as the bundled one; `--also ?face=1` compares), the seconds from opening
the page to its first frame read and to its first model reading, and the bytes the page downloaded (its
own files, the pinned MediaPipe/onnxruntime assets, the model). Prints JSON and appends it to
bench/results.jsonl; every request must stay on 127.0.0.1.

    python bench/live.py [--seconds 30] [--width 640] [--query ?cpu=1] [--rounds 3]
                         [--also ?workers=1 ...] [--compare-to CHECKOUT]

With `--also` (other page options) or `--compare-to` (another checkout's page, e.g. a `git worktree` of an
earlier commit: its `src` is put first on PYTHONPATH), each round runs every variant, each in its own process, in
turn, and the report gives each one's median frames/s over the rounds: these machines are noisy, so only
figures measured side by side compare.

Needs `fingerspell setup-web`, Debian's chromium and playwright (the dev extra).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser driver and the camera file writer the tests use
from support.browser import LivePage, chromium_path  # noqa: E402
from support.y4m import write  # noqa: E402

CLIP = ROOT.parent / "shared" / "data" / "hands" / "gesture_recognizer_android_androidTest_test_video.mp4"


def downloaded_bytes(live: LivePage) -> dict:
    """Bytes of every response the page received, by kind."""
    sizes = {"page": 0, "vendor": 0, "model": 0}
    for response in live.responses:
        path = response.url.removeprefix(live.url.rstrip("/"))
        if response.status != 200 or path == "/model/status":
            continue
        kind = "vendor" if path.startswith("/vendor/") else "model" if path.startswith("/model/") else "page"
        sizes[kind] += int(response.headers.get("content-length", 0))  # our server always sends it
    return {**sizes, "total": sum(sizes.values())}


def measure(clip: str, width: int, seconds: float, query: str) -> dict:
    """One page load: its frames/s over `seconds`, stage times, start-up times, bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        camera = write(clip, Path(tmp) / "camera.y4m", frames=10_000, fps=25, width=width)
        live = LivePage(None, camera, query=query)
        try:
            live.wait("s.processed >= 1")
            first_frame = time.time() - live.opened
            live.wait("s.modelRuns >= 1")
            first_reading = time.time() - live.opened
            start_frames, started = live.state("s.processed"), time.time()
            time.sleep(seconds)
            frames, elapsed = live.state("s.processed") - start_frames, time.time() - started
            timings = live.state("s.timings")
            return {
                "browser": live.browser.version,
                "mediapipe_on": "CPU" if live.state("s.cpuInference") else "GPU",
                "holistic_workers": live.state("s.detectors ? s.detectors.holistic.length : 1"),
                "holistic_reads_face": live.state("s.detectors ? s.detectors.face : true"),
                "camera": {"clip": Path(clip).name, "width": width, "fps": 25},
                "seconds_to_first_frame": round(first_frame, 2),
                "seconds_to_first_reading": round(first_reading, 2),
                "frames_per_s": round(frames / elapsed, 2),
                "ms_per_stage": {k: {"calls": v["calls"], "mean_ms": round(v["ms"], 1)} for k, v in timings.items()},
                "downloaded_bytes": downloaded_bytes(live),
                "requests": len(live.requests), "requests_outside_127_0_0_1": live.outside_requests(),
            }
        finally:
            live.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to count frames")
    parser.add_argument("--width", type=int, default=640, help="camera frame width (the clip is scaled)")
    parser.add_argument("--clip", default=str(CLIP))
    parser.add_argument("--query", default="", help="page options, e.g. ?cpu=1")
    parser.add_argument("--also", nargs="*", default=[], metavar="QUERY", help="other page options to compare")
    parser.add_argument("--compare-to", metavar="CHECKOUT", help="another checkout whose page runs in the same loop")
    parser.add_argument("--rounds", type=int, default=1, help="rounds over the variants (with --also/--compare-to)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single measurement, for a round
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("needs chromium: apt-get install chromium")
    if args.one or not (args.also or args.compare_to):
        report = measure(args.clip, args.width, args.seconds, args.query)
        if not args.one:  # (a round's measurement is recorded with its round)
            record("live", args, report)
        print(json.dumps(report, indent=1))
        return
    variants = {f"this page{args.query}": (None, args.query)}
    variants.update({f"this page{query}": (None, query) for query in args.also})
    if args.compare_to:
        variants[f"{args.compare_to}{args.query}"] = (Path(args.compare_to).resolve(), args.query)
    runs = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (checkout, query) in variants.items():
            env = dict(os.environ)
            if checkout is not None:  # this script, serving that checkout's page (its fingerspell package)
                env["PYTHONPATH"] = str(checkout / "src")
            result = subprocess.run([sys.executable, __file__, "--one", "--seconds", str(args.seconds),
                                     "--width", str(args.width), "--clip", args.clip, "--query", query],
                                    capture_output=True, text=True, env=env)
            if result.returncode:
                raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
            runs[name].append(json.loads(result.stdout[result.stdout.index("{"):]))
    report = {name: {"frames_per_s_median": statistics.median(r["frames_per_s"] for r in rounds),
                     "frames_per_s": [r["frames_per_s"] for r in rounds],
                     "seconds_to_first_frame_median": statistics.median(r["seconds_to_first_frame"] for r in rounds),
                     "runs": rounds}
              for name, rounds in runs.items()}
    record("live", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
