"""The live page (`fingerspell serve`) in headless Chromium: frames per second, time to first reading, asset size.

A fake camera plays MediaPipe's gesture clip (real pixels, Apache-2.0; ../shared/data/hands) at 25 frames/s
and 640 pixels wide, looped; the page reads frames as fast as it can (the rest are dropped, as from a real
camera) with the bundled model. Measured: frames read per second over `--seconds` after the first frame,
per stage milliseconds (Holistic, Hands where Holistic found no hand, the model), the seconds from opening
the page to its first frame read and to its first model reading, and the bytes the page downloaded (its
own files, the pinned MediaPipe/onnxruntime assets, the model). Prints JSON; every request must stay on
127.0.0.1.

    python bench/live.py [--seconds 30] [--width 640] [--query ?cpu=1]

Needs `fingerspell setup-web`, Debian's chromium and playwright (the dev extra).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from fingerspell.browser import LivePage, chromium_path
from fingerspell.y4m import write

ROOT = Path(__file__).resolve().parents[1]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to count frames")
    parser.add_argument("--width", type=int, default=640, help="camera frame width (the clip is scaled)")
    parser.add_argument("--clip", default=str(CLIP))
    parser.add_argument("--query", default="", help="page options, e.g. ?cpu=1")
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("needs chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        camera = write(args.clip, Path(tmp) / "camera.y4m", frames=10_000, fps=25, width=args.width)
        live = LivePage(None, camera, query=args.query)
        try:
            live.wait("s.processed >= 1")
            first_frame = time.time() - live.opened
            live.wait("s.modelRuns >= 1")
            first_reading = time.time() - live.opened
            start_frames, started = live.state("s.processed"), time.time()
            time.sleep(args.seconds)
            frames, elapsed = live.state("s.processed") - start_frames, time.time() - started
            timings = live.state("s.timings")
            report = {
                "machine": f"{platform.machine()} cpus={os.cpu_count()}", "browser": live.browser.version,
                "mediapipe_on": "CPU" if live.state("s.cpuInference") else "GPU",
                "camera": {"clip": Path(args.clip).name, "width": args.width, "fps": 25},
                "seconds_to_first_frame": round(first_frame, 2),
                "seconds_to_first_reading": round(first_reading, 2),
                "frames_per_s": round(frames / elapsed, 2),
                "ms_per_stage": {k: {"calls": v["calls"], "mean_ms": round(v["ms"], 1)} for k, v in timings.items()},
                "downloaded_bytes": downloaded_bytes(live),
                "requests": len(live.requests), "requests_outside_127_0_0_1": live.outside_requests(),
            }
        finally:
            live.close()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
