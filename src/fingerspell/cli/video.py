"""`fingerspell extract VIDEO... -o OUT` and `fingerspell setup-video`: MediaPipe Holistic on videos and images."""
from __future__ import annotations

import argparse
import sys

from fingerspell.video.extract import DEFAULT_VIDEO_ENV


def add_to(sub) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    p = sub.add_parser("extract", help="videos or images -> MediaPipe Holistic -> Kaggle-layout landmarks",
                       formatter_class=fmt)
    p.add_argument("inputs", nargs="+", help="video files (.mp4, .mov, ...) or images (.png, .jpg, ...)")
    p.add_argument("-o", "--out", required=True, help="folder for landmarks/*.parquet and metadata.csv")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=extract)
    p = sub.add_parser("setup-video", help="create the MediaPipe environment that `extract` runs in",
                       formatter_class=fmt)
    p.add_argument("--env", default=str(DEFAULT_VIDEO_ENV), help="where to create it")
    p.set_defaults(func=setup_video)


def extract(args) -> int:
    from fingerspell.video.extract import extract
    results = extract(args.inputs, args.out, progress=not args.quiet)
    for result in results:
        if result["ok"]:
            print(f"{result['input']}: {result['frames']} frames at {result['fps']} frames/s -> {result['path']}"
                  + (f" ({result['corrupt_frames']} unreadable frames skipped)" if result.get("corrupt_frames") else ""))
        else:
            print(f"fingerspell extract: skipped {result['input']}: {result['reason']}", file=sys.stderr)
    return 0 if all(r["ok"] for r in results) else 1


def setup_video(args) -> int:
    from fingerspell.video.extract import setup_video_env
    print(f"video environment ready: {setup_video_env(args.env)}")
    return 0
