"""`fingerspell predict INPUT...`: read fingerspelling from landmark files, .pose files, datasets or videos."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fingerspell.cli.decoder_options import add_decoder_arguments, decoding_options
from fingerspell.errors import DataError
from fingerspell.io.writers import FORMATS


DEFAULT_DECODER = "beam"  # bench/decoding.py: see cli/decoder_options.py

def add_to(sub) -> None:
    p = sub.add_parser("predict", help="read fingerspelling from landmark files, .pose files or videos",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("inputs", nargs="+", help="Kaggle parquet, single-sequence parquet, long-layout or .pose files, "
                   "a Kaggle dataset folder, videos/images (extracted with MediaPipe first), or folders of those")
    p.add_argument("-m", "--model", help="model.tflite, an export folder or a run directory "
                   "(default: the model bundled with fingerspell)")
    p.add_argument("--sequence-id", type=int, action="append", help="only these sequences (repeatable)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true",
                   help="JSON lines: input, sequence_id, frames, text, per-character confidence")
    p.add_argument("--format", choices=FORMATS, help="also write each input's readings to NAME.txt|csv|json beside it")
    p.add_argument("--output-dir", help="write the --format files here instead")
    add_decoder_arguments(p, DEFAULT_DECODER)
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.inference import Decoding, load_model
    from fingerspell.io.writers import write_readings
    from fingerspell.reader import read_inputs
    inputs, model_path = list(args.inputs), args.model
    if model_path is None and len(inputs) > 1 and _looks_like_model(inputs[0]):  # the older MODEL INPUT... form
        model_path = inputs.pop(0)
        print(f"fingerspell predict: reading {model_path} as the model (write --model {model_path})", file=sys.stderr)
    model = load_model(model_path, threads=args.threads)
    try:  # a bad language model or words file stops here, before anything is read greedily
        # the beam search by default where the model has per-step probabilities (CTC); greedy where not
        options = decoding_options(args, DEFAULT_DECODER if model.reads_steps else "greedy")
        if options.decoder == "beam" and not model.reads_steps:
            raise ValueError(f"{model_path}: the beam search reads a CTC model's per-step probabilities, which "
                             "this model has not; use --decoder greedy")
        model.decoding = Decoding(options)
    except ValueError as error:
        print(f"fingerspell predict: error: {error}", file=sys.stderr)
        return 2
    failures = 0
    try:
        for result in read_inputs(inputs, model, args.sequence_id, progress=not args.json):
            for row in result.rows:
                sequence = "" if row["sequence_id"] is None else f":{row['sequence_id']}"
                print(json.dumps(row) if args.json else f"{result.input}{sequence}\t{row['text']}", flush=True)
            if result.error is not None:
                failures += 1
                print(f"fingerspell predict: skipped {result.error}", file=sys.stderr)
            elif args.format:
                written = write_readings(result.rows, Path(result.input), args.format, args.output_dir)
                print(f"wrote {written}", file=sys.stderr)
    except DataError as error:
        print(f"fingerspell predict: error: {error}", file=sys.stderr)
        return 2
    return 1 if failures else 0


def _looks_like_model(path: str) -> bool:
    from fingerspell.export.artifact import is_export
    from fingerspell.training import checkpoint
    return is_export(path) or checkpoint.exists(path, "best")
