"""`fingerspell train STORE --run RUN`: train (or resume) a model on a store."""
from __future__ import annotations

import argparse
import json

from fingerspell.models import KINDS, PRESETS


def add_to(sub) -> None:
    p = sub.add_parser("train", help="train a model on a store", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("store")
    p.add_argument("--run", required=True, help="run directory: checkpoints, metrics.csv, progress.png")
    p.add_argument("--model", choices=tuple(KINDS), default="ctc")
    p.add_argument("--preset", choices=PRESETS, default="cpu")
    p.add_argument("--epochs", type=int, help="default: the preset's")
    p.add_argument("--minutes", type=float, help="wall-clock budget; the learning rate anneals to it")
    p.add_argument("--resume", action="store_true", help="continue RUN from its last checkpoint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--eval-every", type=int, help="steps between validations (default: every epoch)")
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set ctc.dim=256 --set augment.pose_drop_probability=0")
    p.add_argument("--strategy", choices=("auto", "mirrored", "default"), default="auto",
                   help="auto: MirroredStrategy when several GPUs are visible")
    p.add_argument("--logical-cpus", type=int, default=0, help="split the CPU into N devices (to test mirroring)")
    p.add_argument("--deterministic", action="store_true",
                   help="deterministic ops: a rerun or resume repeats bit for bit (some ops get slower, more so on a GPU)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.training.trainer import train
    overrides = {}
    if args.batch_size:
        overrides["batch_size"] = args.batch_size
    if args.learning_rate:
        overrides["learning_rate"] = args.learning_rate
    if args.no_augment:
        from fingerspell.training.augment import AugmentConfig
        overrides["augment"] = AugmentConfig(enabled=False)
    if args.eval_every:
        overrides["eval_every"] = args.eval_every
    result = train(args.store, args.run, model=args.model, preset_name=args.preset, epochs=args.epochs,
                   minutes=args.minutes, resume=args.resume, seed=args.seed, strategy=args.strategy,
                   logical_cpus=args.logical_cpus, progress=not args.quiet, settings=args.set,
                   deterministic=args.deterministic or None, **overrides)
    print(json.dumps(result))
    return 0
