"""The bundled model against the 10-minute demo model, on the same synthetic sequences.

Trains the model `fingerspell demo --train` trains (the embedded default: 3,000 sequences by 30 signers,
seed 0, CTC `cpu` preset, 10 minutes), exports it, and reads with both exported models, through LiteRT:
  - `demo_test`: the demo model's own test split (signers and phrases it never saw), less the sequences
    whose phrase the bundled model's recipe generated, so that both models read them unseen;
  - `fresh`: a new synthetic set (other seed, other signers) less every phrase either model trained on;
  - `make_demo`: the set `make demo` reads (200 sequences by 10 signers, seed 0, the bundled model's
    phrases dropped), less the demo model's training phrases.
Prints JSON: per set, each model's score and CER on the same sequences, and bundled minus demo.

    python bench/bundled.py [--minutes 10] [--out DIR] [--fresh-sequences 600] [--fresh-seed 4242]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import pandas as pd

from common import run
from fingerspell.training import checkpoint
from fingerspell.evaluation.scoring import evaluate_exported
from fingerspell.inference import BUNDLED_MODEL
from fingerspell.metrics import score
from fingerspell.store.store import Store
from fingerspell.synth.dataset import plan_metadata, synthesize


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

    demo_dir = out / "demo-train"
    if not checkpoint.exists(demo_dir / "run", "best"):
        run("demo", "--train", "--out", str(demo_dir), "--minutes", str(args.minutes))
    if not (demo_dir / "export" / "model.tflite").is_file():
        run("export", str(demo_dir / "run"), "-o", str(demo_dir / "export"))
    store = Store(demo_dir / "store")
    demo_phrases = set(store.sequences.phrase[store.sequences.split == "train"])
    models = {"bundled": BUNDLED_MODEL / "model.tflite", "demo": demo_dir / "export" / "model.tflite"}

    fresh = out / "fresh"
    if not (fresh / "train.csv").is_file():
        synthesize(fresh, sequences=args.fresh_sequences, signers=args.fresh_signers, seed=args.fresh_seed,
                   workers=2, progress=False)
    make_demo = out / "make-demo"
    if not (make_demo / "train.csv").is_file():
        synthesize(make_demo, sequences=200, signers=10, seed=0, workers=2, progress=False)
    demo_run = json.loads((demo_dir / "run" / "config.json").read_text(encoding="utf-8"))
    report = {
        "machine": f"{platform.machine()} cpus={os.cpu_count()}",
        "bundled": {"recipe": recipe, "steps": info["training"]["step"]},
        "demo": {"minutes": args.minutes, "sequences": 3000, "signers": 30, "seed": 0,
                 "preset": demo_run.get("preset"), "steps": _last_step(demo_dir / "run")},
        "sets": {
            "demo_test": scores_on(models, demo_dir / "store", "test", lambda p: p not in bundled_phrases),
            "fresh": scores_on(models, fresh, "all",
                               lambda p: p not in bundled_phrases and p not in demo_phrases),
            "make_demo": scores_on(models, make_demo, "all",
                                   lambda p: p not in bundled_phrases and p not in demo_phrases),
        },
    }
    print(json.dumps(report, indent=1))


def _last_step(run_dir: Path) -> int | None:
    metrics = run_dir / "metrics.csv"
    if not metrics.is_file():
        return None
    table = pd.read_csv(metrics)
    return int(table["step"].iloc[-1]) if "step" in table and len(table) else None


if __name__ == "__main__":
    main()
