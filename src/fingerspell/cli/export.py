"""`fingerspell export RUN -o OUT`: a LiteRT model under the competition contract."""
from __future__ import annotations

import argparse
import json


def add_to(sub) -> None:
    p = sub.add_parser("export", help="write a LiteRT model under the competition contract",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("run_dir")
    p.add_argument("-o", "--out", required=True, help="folder for model.tflite and its JSON files")
    p.add_argument("--fp16", action="store_true", help="float16 weights: half the size")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.export.tflite import export_run
    print(json.dumps(export_run(args.run_dir, args.out, fp16=args.fp16, which=args.checkpoint)))
    return 0
