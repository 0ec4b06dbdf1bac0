"""Real signers the model never saw: leave one real signer out, train on synthetic data only, read them.

For each of the four real signers (fingerspell.synth.real_letters) in turn: synthesise a dataset whose hands come
from the other three only, prepare it, train the default model (CTC, `cpu` preset) for a fixed wall-clock
budget, export it under the competition contract, and read the held-out signer's letters, spelled as the
words of real_letters.WORDS, through the exported .tflite exactly as `fingerspell predict` would (synthesise ->
export, and the export's score on the synthetic test split, by fingerspell.pipeline). Prints JSON: each signer's
score (the competition metric) and CER, example readings, and the mean over the four; appends it to
bench/results.jsonl.

    python bench/real_letters.py [--minutes 10] [--sequences 6000] [--signers 94] [--seed 2026] [--out DIR]
        [--held-out borisgraudt,siruyy,spoken_to_signed,openasl] [--data ../shared/data] [--set KEY=VALUE]

Needs ../shared/data/real_letters and, for the openasl photos, the video environment (`fingerspell
setup-video`) to extract their landmarks once.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from common import record, run, training_parser
from fingerspell.inference import load_model
from fingerspell.metrics import score
from fingerspell.pipeline import PipelineSpec, run_pipeline
from fingerspell.synth.handshapes import is_mirrored
from fingerspell.synth.real_letters import PHOTO_FOLDER, SIGNERS, WORDS, read_signer, spell_word

ROOT = Path(__file__).resolve().parents[1]


def real_sequences(name: str, data: Path, extracted: Path, seed: int) -> list[tuple[str, np.ndarray]]:
    """(word, frames) for every word of WORDS, spelled with the signer's real letters (seeded)."""
    if name == "openasl" and not (extracted / "metadata.csv").is_file():
        photos = sorted((data / PHOTO_FOLDER).glob("*.png"))
        run("extract", *map(str, photos), "-o", str(extracted))
    real = read_signer(name, data, extracted)
    mirrored = is_mirrored(real.hands, real.letters)
    rng = np.random.default_rng([seed, 5])
    return [(word, spell_word(real, word, rng, mirrored)) for word in WORDS]


def held_out_run(name: str, args, out: Path) -> dict:
    sources = tuple(s for s in SIGNERS if s != name)
    spec = PipelineSpec(str(out / f"without-{name}"), sequences=args.sequences, signers=args.signers,
                        data_seed=args.seed, sources=sources, minutes=args.minutes, settings=tuple(args.set),
                        train_in_subprocess=True)
    made = run_pipeline(spec, through="evaluate", progress=False)
    trained, synthetic = made["training"] or {}, made["evaluation"]
    model = load_model(spec.folders["export"] / "model.tflite")
    sequences = real_sequences(name, Path(args.data), out / "openasl-extracted", args.seed)
    words = [w for w, _ in sequences]
    readings = [model.predict(frames) for _, frames in sequences]
    result = score(words, readings)
    return {"held_out": name, "trained_on": list(sources), "score": round(result["score"], 4),
            "cer": round(result["cer"], 4), "words": len(words),
            "median_frames": float(np.median([len(f) for _, f in sequences])),
            "examples": [f"{w} -> {r}" for w, r in list(zip(words, readings))[:8]],
            "synthetic_test_score": round(synthetic["score"], 4), "steps": trained.get("step"),
            "train_seconds": trained.get("elapsed_s")}


def main() -> None:
    parser = training_parser(__doc__, "out/bench-real-letters")
    # the bundled model's synthetic data (tools/train_release.py): as many synthetic signers as the real
    # corpus has train signers (hands vary between people most), 6,000 sequences, seed 2026
    parser.set_defaults(signers=94, sequences=6000, seed=2026)
    parser.add_argument("--held-out", default=",".join(SIGNERS))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a training setting for every model (as `fingerspell train --set`), e.g. palm_frame=true")
    args = parser.parse_args()
    out = Path(args.out)
    report = {"minutes_per_model": args.minutes,
              "settings": args.set,
              "dataset": {"sequences": args.sequences, "signers": args.signers, "seed": args.seed},
              "signers": {}}
    for name in args.held_out.split(","):
        report["signers"][name] = held_out_run(name, args, out)
        print(json.dumps(report["signers"][name]), file=sys.stderr, flush=True)
    scores = [r["score"] for r in report["signers"].values()]
    report["mean_score"] = round(float(np.mean(scores)), 4)
    record("real_letters", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
