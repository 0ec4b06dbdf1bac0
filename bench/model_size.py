"""Model size and training length at equal wall clock, on the development fold: what they do to real figures.

One held-out letter signer, the `--development` one (default borisgraudt), the only one choices may be made
on (bench/real_letters.py reports the others). Its fold's synthetic dataset and store (hands of the three other
signers; `--from`, bench/real_letters.py's OUT/without-<signer>) are shared by every configuration, so what
differs between two rows is the network's width and the training budget alone. Each configuration trains the
default model (CTC, `cpu` preset) with `ctc.dim` (and `ctc.heads`) set, for `minutes` of wall clock on this
machine, exports it, and reads:
- the synthetic test split (signers and phrases never trained on),
- the development signer's real letters spelled as real_letters.WORDS (greedy and beam + LM, as
  bench/real_letters.py reads them),
- real digit strings of the digit people held out of the generator.

    python bench/model_size.py [--configs 128:10,128:30,192:10,192:30] [--from out/bench-real-24/without-borisgraudt]
        [--development borisgraudt] [--out out/bench-model-size] [--reuse 128:10=RUN_FOLDER]

`--reuse` takes a configuration's finished run from elsewhere (bench/real_letters.py's development fold is the
128:10 row, trained on the same data and store) instead of training it again; the row says so.

Run it alone: the budgets are wall clock, and another job on the machine takes steps from every row.
Prints JSON and appends one line to bench/results.jsonl.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import ROOT, record
from fingerspell.evaluation.real_sets import digit_strings, letter_words, read_set
from fingerspell.inference import load_model
from fingerspell.models.configs import CTCConfig
from fingerspell.pipeline import PipelineSpec, recorded_recipe, run_pipeline
from fingerspell.synth.real_letters import SIGNERS


def configuration(text: str) -> tuple[int, float]:
    """"192:30" -> (dim 192, 30 minutes)."""
    try:
        dim, minutes = text.split(":")
        return int(dim), float(minutes)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected DIM:MINUTES, e.g. 192:30") from None


def reuse(text: str) -> tuple[tuple[int, float], str]:
    """"128:10=out/x/run" -> ((128, 10.0), "out/x/run")."""
    config, _, run = text.partition("=")
    if not run or not (Path(run) / "metrics.csv").is_file():
        raise argparse.ArgumentTypeError(f"{text!r}: expected DIM:MINUTES=RUN_FOLDER of a finished run")
    return configuration(config), run


def heads_for(dim: int) -> int:
    """The default's 32 dimensions per head (128 / 4), kept as the width grows."""
    return max(1, dim // (CTCConfig.dim // CTCConfig.heads))


def one_configuration(dim: int, minutes: float, args, fold: dict, digits, letters) -> dict:
    shared = Path(args.source)
    default = dim == CTCConfig.dim  # the default network: no settings, the very recipe of the other benches
    settings = () if default else (f"ctc.dim={dim}", f"ctc.heads={heads_for(dim)}")
    reused = dict(args.reuse).get((dim, minutes))
    spec = PipelineSpec(str(Path(args.out) / f"dim{dim}-{minutes:g}min"), data=str(shared / "data"),
                        store=str(shared / "store"), run=reused, minutes=minutes, settings=settings,
                        train_in_subprocess=True, **fold)
    made = run_pipeline(spec, through="evaluate", progress=False)
    trained = made["training"]  # a reused run's too: its trained.json
    model = load_model(spec.folders["export"] / "model.tflite")
    size = (spec.folders["export"] / "model.tflite").stat().st_size
    return {"dim": dim, "heads": heads_for(dim), "minutes": minutes, "reused_run": reused,
            "steps": trained.get("step"),
            "train_seconds": trained.get("elapsed_s"), "tflite_bytes": size,
            "synthetic_test_score": round(made["evaluation"]["score"], 4),
            "development_letters": read_set(model, letters), "digits": read_set(model, digits)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="128:10,128:30,192:10,192:30")
    parser.add_argument("--development", default="borisgraudt", choices=SIGNERS)
    parser.add_argument("--from", dest="source", default="out/bench-real-24/without-borisgraudt",
                        help="the development fold's folder of bench/real_letters.py (its data and store)")
    parser.add_argument("--out", default="out/bench-model-size")
    parser.add_argument("--reuse", type=reuse, action="append", default=[], metavar="DIM:MINUTES=RUN")
    parser.add_argument("--digit-strings", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026, help="the words' and digit strings' seed")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    configs = [configuration(c) for c in args.configs.split(",")]
    data_recipe = recorded_recipe(args.source, "data")
    if data_recipe is None:
        sys.exit(f"{args.source}: no pipeline.json recipe for its data; pass a fold of bench/real_letters.py")
    if args.development in data_recipe["sources"]:
        sys.exit(f"{args.source}: its data holds {args.development}'s hands; pass the fold that leaves it out")
    fold = {"sequences": data_recipe["sequences"], "signers": data_recipe["signers"],
            "data_seed": data_recipe["data_seed"], "sources": tuple(data_recipe["sources"])}
    letters = letter_words(args.development, Path(args.data), Path(args.out) / "openasl-extracted", args.seed)
    digits = digit_strings(args.digit_strings, args.seed)
    report = {"development": args.development, "dataset": fold, "rows": []}
    for dim, minutes in configs:
        row = one_configuration(dim, minutes, args, fold, digits, letters)
        report["rows"].append(row)
        print(json.dumps({k: row[k] for k in ("dim", "minutes", "steps", "synthetic_test_score")}
                         | {"letters": row["development_letters"]["score"], "digits": row["digits"]["score"]}),
              file=sys.stderr, flush=True)
    record("model_size", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
