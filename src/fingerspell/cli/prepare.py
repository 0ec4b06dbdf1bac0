"""`fingerspell prepare DATA_DIR STORE_DIR`: a Kaggle-layout dataset -> the training store."""
from __future__ import annotations

import argparse
from pathlib import Path

from fingerspell.store.splits import SplitRule


def add_to(sub) -> None:
    p = sub.add_parser("prepare", help="convert a Kaggle-layout dataset into a training store",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("data_dir")
    p.add_argument("store_dir")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--skip-bad", action="store_true", help="skip bad sequences, listing each in skipped.json")
    p.add_argument("--lips", action="store_true", help="also keep the 40 lip landmarks")
    p.add_argument("--dtype", choices=("float32", "float16"), default="float32",
                   help="float16 halves the store at ~2e-4 precision")
    default = SplitRule()
    p.add_argument("--val-fraction", type=float, default=default.val_fraction,
                   help="share of signers held out for validation")
    p.add_argument("--test-fraction", type=float, default=default.test_fraction,
                   help="share of signers held out for test")
    p.add_argument("--seed", type=int, default=default.seed, help="seed of the signer split")
    p.add_argument("--phrase-overlap", action="store_true",
                   help="let train keep sequences whose phrase is also in val or test. Real data repeats "
                        "phrases across signers; by default those train sequences are split 'unused', so "
                        "val and test phrases are unseen in training")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.store.store import prepare
    rule = SplitRule(val_fraction=args.val_fraction, test_fraction=args.test_fraction, seed=args.seed,
                     phrase_disjoint=not args.phrase_overlap)
    report = prepare(args.data_dir, args.store_dir, workers=args.workers, skip_bad=args.skip_bad,
                     lips=args.lips, dtype=args.dtype, split_rule=rule, progress=not args.quiet)
    print(f"store {args.store_dir}: {report.sequences} sequences, {report.frames} frames "
          f"({report.files_converted} files converted, {report.files_reused} reused from an earlier run)")
    if not args.phrase_overlap:
        print(f'set aside {report.unused} train sequences as "unused": their phrase is also in val or test '
              "(--phrase-overlap keeps them)")
    if report.skipped:
        print(f"skipped {len(report.skipped)} sequences; reasons in {Path(args.store_dir) / 'skipped.json'}")
    return 0
