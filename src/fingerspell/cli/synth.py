"""`fingerspell synth OUT_DIR`: a synthetic dataset in the Kaggle layout."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from fingerspell.pipeline import DEFAULT_SEQUENCES, DEFAULT_SIGNERS


def add_to(sub) -> None:
    p = sub.add_parser("synth", help="write a synthetic dataset in the Kaggle layout",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("out_dir")
    p.add_argument("--sequences", type=int, default=DEFAULT_SEQUENCES, help="train sequences")
    p.add_argument("--signers", type=int, default=DEFAULT_SIGNERS, help="distinct participants")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--supplemental", type=int, default=0, help="supplemental (sentence) sequences")
    p.add_argument("--sequences-per-file", type=int, default=1000)
    p.add_argument("--resume", action="store_true",
                   help="keep the files an interrupted run with the same arguments finished")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--stats", action="store_true",
                   help="print the dataset's statistics (beside the published ones, with --published)")
    p.add_argument("--published", help="the published corpus statistics (JSON) to compare against, e.g. "
                                       "aslfr_published_stats.json of the team's shared data")
    p.add_argument("--sources", help="comma-separated real signers whose handshapes to draw from "
                                     "(default: all four; see fingerspell.synth.real_letters.SIGNERS)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.synth.corpus import compare_statistics, synthesize
    stats = synthesize(args.out_dir, sequences=args.sequences, signers=args.signers, seed=args.seed,
                       supplemental=args.supplemental, sequences_per_file=args.sequences_per_file,
                       workers=args.workers, progress=not args.quiet,
                       sources=tuple(args.sources.split(",")) if args.sources else None, resume=args.resume)
    print(f"wrote {args.sequences} train + {args.supplemental} supplemental sequences to {args.out_dir}")
    if args.published:
        published = Path(args.published)
        if not published.is_file():
            raise FileNotFoundError(f"{published}: no such statistics file (--published)")
        reference = json.loads(published.read_text(encoding="utf-8"))
        print(f"{'statistic':<72} {'published':>10} {'synthetic':>10}")
        for key, theirs, ours in compare_statistics(stats, reference):
            print(f"{key:<72} {theirs:>10.3f} {ours:>10.3f}")
    elif args.stats:
        print(json.dumps(stats, indent=1))
    return 0
