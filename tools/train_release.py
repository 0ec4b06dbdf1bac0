"""Train the model bundled with fingerspell (src/fingerspell/assets/model), by a recipe anyone can rerun.

    python tools/train_release.py [--sequences 6000] [--signers 94] [--seed 2026] [--minutes 40] [--out out/release]
        [--set ctc.dim=192 --set ctc.heads=6] [--from out/release-24] [--install DIR]

Synthetic data only, handshapes drawn from all four real signers of ../shared/data/real_letters (through the
packaged bank): synthesise -> prepare (test and validation signers and phrases unseen in training) -> train
the default CTC model (`cpu` preset) for a wall-clock budget -> export under the competition contract, fp16
when it reads the test split exactly as fp32 does -> score the export on the test split -> copy the model
and a model.json (recipe, training, scores) into the package. Each step is reused when its output exists,
so an interrupted run resumes: the chain is fingerspell.pipeline's (OUT/data, OUT/store, OUT/run, and one export
per precision, OUT/export-fp32 and OUT/export-fp16, each with its predictions_test.csv). The recipe's seed must
differ from `fingerspell demo`'s, whose signers and phrases are then new to the model.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fingerspell.inference import BUNDLED_MODEL  # noqa: E402
from fingerspell.pipeline import PipelineSpec, recorded_recipe, run_pipeline  # noqa: E402
from fingerspell.store.store import Store  # noqa: E402
from fingerspell.synth.corpus import plan_metadata  # noqa: E402
from fingerspell.synth.handshapes import digit_bank, shape_bank  # noqa: E402

FILES = ("model.tflite", "inference_args.json", "character_to_prediction_index.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=6000)
    parser.add_argument("--signers", type=int, default=94, help="as many as the real corpus's train signers")
    parser.add_argument("--seed", type=int, default=2026, help="dataset seed (the demo uses others)")
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=40.0, help="training budget (wall clock)")
    parser.add_argument("--out", default="out/release")
    parser.add_argument("--install", default=str(BUNDLED_MODEL), help="where the model goes")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a training setting (as `fingerspell train --set`), e.g. ctc.dim=192")
    parser.add_argument("--from", dest="source", metavar="DIR",
                        help="an earlier release folder whose dataset and store this recipe shares (not made again)")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"),
                        help="the team's real reference data, for the model's real-hand figures")
    args = parser.parse_args()
    out = Path(args.out)
    started = time.monotonic()
    spec = PipelineSpec(str(out), sequences=args.sequences, signers=args.signers, data_seed=args.seed,
                        model="ctc", preset="cpu", minutes=args.minutes, train_seed=args.train_seed,
                        settings=tuple(args.set), train_in_subprocess=True, **shared_folders(args))
    trained = run_pipeline(spec, through="train")["training"]
    store = spec.folders["store"]
    precisions = {name: dataclasses.replace(spec, fp16=fp16, export=str(out / f"export-{name}"))
                  for name, fp16 in (("fp32", False), ("fp16", True))}
    exports = {name: run_pipeline(each, through="evaluate")["evaluation"] for name, each in precisions.items()}
    same = [r[2] for r in exports["fp16"]["rows"]] == [r[2] for r in exports["fp32"]["rows"]]
    chosen = "fp16" if same else "fp32"
    val = run_pipeline(dataclasses.replace(precisions[chosen], evaluate_split="val"), through="evaluate")["evaluation"]
    export = precisions[chosen].folders["export"]
    header = Store(store).header
    info = {
        "trained_on": f"synthetic data only: {args.sequences} sequences by {args.signers} synthetic signers whose "
                      f"letters are drawn from the real signers {sorted(shape_bank())}, whose number handshapes and "
                      f"hand proportions come from {len(digit_bank().person_ids)} people's digit photos (the "
                      f"others held out); no real sequences",
        "recipe": {"sequences": args.sequences, "signers": args.signers, "seed": args.seed,
                   "model": "ctc", "preset": "cpu", "minutes": args.minutes, "train_seed": args.train_seed,
                   "settings": list(args.set),
                   "command": f"python tools/train_release.py --sequences {args.sequences} --signers {args.signers} "
                              f"--seed {args.seed} --minutes {args.minutes:g}"
                              + "".join(f" --set {s}" for s in args.set)},
        # the demo drops these phrases from its own set; a test checks the recipe still regenerates them
        "train_phrases_sha256": phrases_digest(args.sequences, args.signers, args.seed),
        "store_splits": header["splits"],
        "training": {k: trained.get(k) for k in ("step", "epoch", "elapsed_s", "best_score", "parameters")},
        "export": {"precision": chosen, "fp16_reads_test_as_fp32": same,
                   "bytes": (export / "model.tflite").stat().st_size},
        "scores": {
            "synthetic_test": _summary(exports[chosen], "signers and phrases never seen in training"),
            "synthetic_val": _summary(val, "signers and phrases never seen in training; chose the checkpoint"),
            **real_scores(export / "model.tflite", Path(args.data), out, args.seed),
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "wall_clock_minutes": round((time.monotonic() - started) / 60, 1),
    }
    install = Path(args.install)
    install.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(export / name, install / name)
    (install / "model.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(info, indent=1))


def shared_folders(args) -> dict:
    """--from DIR: DIR/data and DIR/store, when DIR made them by this recipe's dataset (else an error)."""
    if not args.source:
        return {}
    source = Path(args.source)
    recorded = recorded_recipe(source, "data")
    ours = {"sequences": args.sequences, "signers": args.signers, "supplemental": 0, "data_seed": args.seed,
            "sources": None}
    if recorded != ours:
        raise SystemExit(f"{source}: its dataset was made by {recorded}, not {ours}")
    return {"data": str(source / "data"), "store": str(source / "store")}


def real_scores(model_path: Path, data: Path, out: Path, seed: int) -> dict:
    """The model's readings of real hands (evaluation/real_sets.py), greedy and with the beam search: digit
    strings of people held out of the generator, and each real letter signer's words (all four are in the
    generator: not held out; bench/real_letters.py holds each out in turn)."""
    from fingerspell.evaluation.real_sets import digit_strings, letter_words, read_set
    from fingerspell.inference import load_model
    from fingerspell.synth.real_letters import SIGNERS
    model = load_model(model_path)
    scores = {"real_digits": {**_brief(read_set(model, digit_strings(60, seed))),
                              "what": "60 digit strings, each by one of the people held out of the generator"}}
    if not data.is_dir():
        print(f"no real letters: {data} is absent", file=sys.stderr)
        return scores
    letters = {}
    for name in SIGNERS:
        try:
            letters[name] = _brief(read_set(model, letter_words(name, data, out / "openasl-extracted", seed)))
        except RuntimeError as error:  # openasl's photos need the video environment
            print(f"real letters of {name} not read: {error}", file=sys.stderr)
    scores["real_letters"] = {**letters, "what": "40 words spelled with each real signer's letters; all four "
                                                 "signers' hands are in the generator: not held out"}
    return scores


def _brief(read: dict) -> dict:
    return {key: read[key] for key in ("score", "cer", "sequences", "first_char_accuracy", "doubles_read")} | {
        "beam_lm_score": read["beam_lm"]["score"]}


def phrases_digest(sequences: int, signers: int, seed: int) -> str:
    """sha256 of the sorted distinct phrases of the recipe's dataset (metadata only: cheap)."""
    import hashlib
    phrases = sorted(set(plan_metadata(sequences, signers, seed).phrase))
    return hashlib.sha256("\n".join(phrases).encode()).hexdigest()


def _summary(result: dict, what: str) -> dict:
    return {"score": round(result["score"], 4), "cer": round(result["cer"], 4), "sequences": result["sequences"],
            "what": what}


if __name__ == "__main__":
    main()
