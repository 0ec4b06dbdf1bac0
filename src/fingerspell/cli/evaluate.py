"""`fingerspell evaluate RUN_OR_MODEL --data STORE_OR_DATASET`: the competition's score on one split."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fingerspell.cli.decoder_options import add_decoder_arguments, decoding_options
from fingerspell.store.splits import SPLITS


DEFAULT_DECODER = "greedy"  # the exported `outputs`, as a competition scorer reads them

def add_to(sub) -> None:
    p = sub.add_parser("evaluate", help="score a run or an exported model",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("run_dir", help="a run directory, or an exported model.tflite (or its folder)")
    p.add_argument("--data", required=True, help="a store; for a .tflite also a Kaggle-layout dataset")
    p.add_argument("--split", choices=(*SPLITS, "all"), default="val", help="which sequences")
    p.add_argument("--split-from", metavar="STORE",
                   help="a Kaggle dataset's split: the one recorded by STORE, prepared from it")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.add_argument("--json", action="store_true", help='print {"score", "cer", "sequences", "characters"}')
    p.add_argument("--report", metavar="DIR", help="also write plots and an index page of the errors to DIR")
    add_decoder_arguments(p, DEFAULT_DECODER)
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.evaluation.scoring import evaluate_exported, evaluate_run
    from fingerspell.export.artifact import is_export
    target = Path(args.run_dir)
    decoding = decoding_options(args, DEFAULT_DECODER)
    if is_export(target):
        result = evaluate_exported(target, args.data, split=args.split, split_from=args.split_from,
                                   decoding=decoding)
    else:
        result = evaluate_run(target, args.data, split=args.split, which=args.checkpoint, decoding=decoding)
    if args.report:
        from fingerspell.evaluation.report import write_report
        index = write_report(result["rows"], args.report, title=f"{target} on {args.data} ({args.split})")
        print(f"report: {index}", file=sys.stderr)
    if args.json:
        print(json.dumps({k: result[k] for k in ("score", "cer", "sequences", "characters", "by_source")
                          if k in result}))
        return 0
    print(f"{args.split}: score {result['score']:.4f}  CER {result['cer']:.4f}  over {result['sequences']} "
          f"sequences, {result['characters']} characters; predictions in {result['predictions']}")
    for source, part in result.get("by_source", {}).items():
        print(f"  {source}: score {part['score']:.4f} over {part['sequences']} sequences")
    return 0
