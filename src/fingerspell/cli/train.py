"""`fingerspell train STORE --run RUN`: train (or resume) a model on a store."""
from __future__ import annotations

import argparse
import json

from fingerspell.models import KINDS, PRESETS


def add_to(sub) -> None:
    p = sub.add_parser("train", help="train a model on a store", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                       description="A run's settings are its recipe (the model, features, data, augmentation and "
                       "optimisation; saved in every checkpoint) and its runtime (how this machine runs it: "
                       "epochs, eval_every, jit, jit_features, features_in_step, input_workers, mixed_precision, "
                       "strategy, ...). --resume keeps the recipe and refuses a change to it; a runtime value "
                       "asked for is applied and printed.")
    p.add_argument("store")
    p.add_argument("--run", required=True, help="run directory: checkpoints, metrics.csv, progress.png")
    # None: not asked (a new run's defaults are ctc, cpu, seed 0; a resume keeps its checkpoint's)
    p.add_argument("--model", choices=tuple(KINDS), help="default: ctc")
    p.add_argument("--preset", choices=PRESETS, help="default: cpu")
    p.add_argument("--epochs", type=int, help="default: the preset's (a resume: the run's)")
    p.add_argument("--minutes", type=float, help="wall-clock budget; the learning rate anneals to it")
    p.add_argument("--resume", action="store_true",
                   help="continue RUN from its last checkpoint, with its recipe; runtime settings may change")
    p.add_argument("--seed", type=int, help="default: 0")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--eval-every", type=int, help="steps between validations (default: every epoch)")
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a recipe or runtime value, e.g. --set ctc.dim=256 --set augment.pose_drop_probability=0 "
                        "--set input_workers=2")
    p.add_argument("--strategy", choices=("auto", "mirrored", "default"),
                   help="auto (the default): MirroredStrategy when several GPUs are visible")
    p.add_argument("--logical-cpus", type=int, help="split the CPU into N devices (to test mirroring)")
    p.add_argument("--deterministic", action="store_true",
                   help="deterministic ops: a rerun or resume repeats bit for bit (some ops get slower, more so on a GPU)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.training.trainer import train
    # the flags are settings as --set writes them (type-checked alike); --set comes after, so it wins
    settings = [f"{key}={value!r}" for key, value in (("batch_size", args.batch_size),
                                                      ("learning_rate", args.learning_rate),
                                                      ("eval_every", args.eval_every)) if value is not None]
    settings += ["augment.enabled=false"] if args.no_augment else []
    result = train(args.store, args.run, model=args.model, preset_name=args.preset, epochs=args.epochs,
                   minutes=args.minutes, resume=args.resume, seed=args.seed, strategy=args.strategy,
                   logical_cpus=args.logical_cpus, progress=not args.quiet, settings=settings + args.set,
                   deterministic=args.deterministic or None)
    print(json.dumps(result))
    return 0
