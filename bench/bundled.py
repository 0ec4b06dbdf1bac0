"""The bundled model against the 10-minute demo model, on the same synthetic sequences.

Trains the model `fingerspell demo --train` trains (the embedded default: 3,000 sequences by 30 signers,
seed 0, CTC `cpu` preset, 10 minutes), exports it, and reads with both exported models, through LiteRT:
  - `demo_test`: the demo model's own test split (signers and phrases it never saw), less the sequences
    whose phrase the bundled model's recipe generated, so that both models read them unseen;
  - `fresh`: a new synthetic set (other seed, other signers) less every phrase either model trained on;
  - `make_demo`: the set `make demo` reads (200 sequences by 10 signers, seed 0, the bundled model's
    phrases dropped), less the demo model's training phrases.
Prints JSON: per set, each model's score and CER on the same sequences, and bundled minus demo; appends it to
bench/results.jsonl. Every dataset, the store, the run and the export are made by fingerspell.pipeline.

    python bench/bundled.py [--minutes 10] [--out DIR] [--fresh-sequences 600] [--fresh-seed 4242]
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd

from common import record
from fingerspell.evaluation.scoring import evaluate_exported
from fingerspell.inference import BUNDLED_MODEL
from fingerspell.metrics import score
from fingerspell.pipeline import DEMO_SEQUENCES, DEMO_SIGNERS, PipelineSpec, run_pipeline
from fingerspell.store.store import Store
from fingerspell.synth.corpus import plan_metadata


def scores_on(models: dict[str, Path], data: Path, split: str, unseen) -> dict:
    """Each model reads `split` of `data`; both are scored on the sequences whose phrase `unseen` keeps."""
    rows = {name: evaluate_exported(path, data, split=split, out=Path(os.devnull))["rows"]
            for name, path in models.items()}
    report = {}
    for name, read in rows.items():
        kept = [(phrase, prediction) for _, phrase, prediction in read if unseen(phrase)]
        result = score([p for p, _ in kept], [r for _, r in kept])
        report[name] = {"score": round(result["score"], 4), "cer": round(result["cer"], 4),
                        "sequences": len(kept)}
    report["bundled_minus_demo"] = round(report["bundled"]["score"] - report["demo"]["score"], 4)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="the demo model's training budget")
    parser.add_argument("--out", default="out/bench-bundled")
    parser.add_argument("--fresh-sequences", type=int, default=600)
    parser.add_argument("--fresh-signers", type=int, default=20)
    parser.add_argument("--fresh-seed", type=int, default=4242)
    args = parser.parse_args()
    out = Path(args.out)
    info = json.loads((BUNDLED_MODEL / "model.json").read_text(encoding="utf-8"))
    recipe = info["recipe"]
    bundled_phrases = set(plan_metadata(recipe["sequences"], recipe["signers"], recipe["seed"]).phrase)

    demo_dir = out / "demo-train"  # what `fingerspell demo --train --out DIR --minutes M` makes, then exported
    demo = PipelineSpec(str(demo_dir), data_seed=0, train_seed=0, minutes=args.minutes, train_in_subprocess=True)
    run_pipeline(demo, through="export", progress=False)
    store = Store(demo.folders["store"])
    demo_phrases = set(store.sequences.phrase[store.sequences.split == "train"])
    models = {"bundled": BUNDLED_MODEL / "model.tflite", "demo": demo.folders["export"] / "model.tflite"}

    sets = {name: PipelineSpec(str(out), sequences=sequences, signers=signers, data_seed=seed, data=str(out / name))
            for name, sequences, signers, seed in (
                ("fresh", args.fresh_sequences, args.fresh_signers, args.fresh_seed),
                ("make-demo", DEMO_SEQUENCES, DEMO_SIGNERS, 0))}
    for spec in sets.values():
        run_pipeline(spec, through="synth", progress=False)
    fresh, make_demo = sets["fresh"].folders["data"], sets["make-demo"].folders["data"]
    demo_run = json.loads((demo.folders["run"] / "config.json").read_text(encoding="utf-8"))
    report = {
        "bundled": {"recipe": recipe, "steps": info["training"]["step"]},
        "demo": {"minutes": args.minutes, "sequences": demo.sequences, "signers": demo.signers, "seed": demo.data_seed,
                 "preset": demo_run.get("preset"), "steps": _last_step(demo.folders["run"])},
        "sets": {
            "demo_test": scores_on(models, demo.folders["store"], "test", lambda p: p not in bundled_phrases),
            "fresh": scores_on(models, fresh, "all",
                               lambda p: p not in bundled_phrases and p not in demo_phrases),
            "make_demo": scores_on(models, make_demo, "all",
                                   lambda p: p not in bundled_phrases and p not in demo_phrases),
        },
    }
    record("bundled", args, report)
    print(json.dumps(report, indent=1))


def _last_step(run_dir: Path) -> int | None:
    metrics = run_dir / "metrics.csv"
    if not metrics.is_file():
        return None
    table = pd.read_csv(metrics)
    return int(table["step"].iloc[-1]) if "step" in table and len(table) else None


if __name__ == "__main__":
    main()
