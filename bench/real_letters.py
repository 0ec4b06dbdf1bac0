"""Real hands the model never saw: leave one real letter signer out, train on synthetic data only, read them;
and read real digit photos of people kept out of the generator.

For each of the four real letter signers (fingerspell.synth.real_letters) in turn: synthesise a dataset whose
letter hands come from the other three only, prepare it, train the default model (CTC, `cpu` preset) for a
fixed wall-clock budget, export it (fingerspell.pipeline), and read the held-out signer's letters, spelled as
the words of real_letters.WORDS, through the exported .tflite exactly as `fingerspell predict` would.

Honest by construction:
- choosing is apart from reporting: the `--development` signer (default borisgraudt) is the one generator
  settings, augmentations, model size and budget may be chosen on; `reported_mean` is the mean over the other
  held-out signers only, never used for choosing;
- siruyy's rows are independent captures: a held letter is one capture held still (with MediaPipe-like
  jitter), never a run of unrelated rows; doubled letters slide sideways or bounce, as signers show them;
- real digits: the people of the digit photos that tools/make_digit_assets.py held out of the generator
  (every fifth person, about 20%; the generator never draws them) spell digit strings, one person per
  string; every fold's model reads them and `digits_mean` is their mean;
- every model reads greedy (its exported `outputs`: `score`, the means) and with the beam search and the
  bundled language model at their defaults (`beam_lm`, `reported_mean_beam_lm`, `digits_mean_beam_lm`);
- the first character of each word is scored apart from the rest (`first_char_accuracy`, `rest_score`):
  on real video the first letter is the one most often lost.

Prints JSON and appends one line to bench/results.jsonl.

    python bench/real_letters.py [--minutes 10] [--sequences 6000] [--signers 94] [--seed 2026] [--out DIR]
        [--held-out borisgraudt,siruyy,spoken_to_signed,openasl] [--development borisgraudt]
        [--digit-strings 60] [--data ../shared/data] [--set KEY=VALUE]

Needs ../shared/data/real_letters and, for the openasl photos, the video environment (`fingerspell
setup-video`) to extract their landmarks once.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from common import record, run, training_parser
from fingerspell.inference import load_model
from fingerspell.metrics import score
from fingerspell.pipeline import PipelineSpec, run_pipeline
from fingerspell.synth.handshapes import digit_bank, is_mirrored
from fingerspell.synth.real_letters import PHOTO_FOLDER, SIGNERS, WORDS, RealLetters, read_signer, spell_word

ROOT = Path(__file__).resolve().parents[1]
# where a digit photo's canonical hand is put in the image: a webcam-sized hand (wrist to middle knuckle
# about a tenth of the image), wrist low in the middle
DIGIT_WRIST, DIGIT_PALM = np.array([0.5, 0.75, 0.0]), 0.1


def real_sequences(name: str, data: Path, extracted: Path, seed: int) -> list[tuple[str, np.ndarray]]:
    """(word, frames) for every word of WORDS, spelled with the signer's real letters (seeded)."""
    if name == "openasl" and not (extracted / "metadata.csv").is_file():
        photos = sorted((data / PHOTO_FOLDER).glob("*.png"))
        run("extract", *map(str, photos), "-o", str(extracted))
    real = read_signer(name, data, extracted)
    mirrored = is_mirrored(real.hands, real.letters)
    rng = np.random.default_rng([seed, 5])
    return [(word, spell_word(real, word, rng, mirrored)) for word in WORDS]


def digit_sequences(count: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """(digits, frames): `count` strings of 7 to 10 digits, each spelled by one held-out person's photos."""
    bank = digit_bank(held_out=True)
    rng = np.random.default_rng([seed, 6])
    out = []
    for k in range(count):
        person = bank.person_ids[k % len(bank.person_ids)]
        mine = bank.people == person
        digits = "".join(str(d) for d in sorted(set(bank.digits[mine].tolist())))
        hands = DIGIT_WRIST + DIGIT_PALM * bank.shapes[mine]  # canonical -> image: a right hand, unmirrored
        real = RealLetters(f"digits-{person}", hands.astype(np.float32),
                           np.array([str(d) for d in bank.digits[mine]]), np.arange(int(mine.sum())))
        text = "".join(rng.choice(list(digits), int(rng.integers(7, 11))))
        out.append((text, spell_word(real, text, rng, mirrored=False)))
    return out


def first_and_rest(words: list[str], readings: list[str]) -> dict:
    """The first character scored apart: how often it is read right (by the alignment of word and reading,
    not by position), and the competition score of the rest of each word against the rest of its reading
    (what the alignment gives the first character, and anything read before it, taken away)."""
    right, rest_words, rest_readings = 0, [], []
    for word, reading in zip(words, readings):
        cut, first_right = 0, False
        for block in Levenshtein.opcodes(word, reading):
            if block.src_start > 0:
                break
            if block.tag == "equal":  # word[0] read as itself
                first_right, cut = block.src_end > 0 and not cut, block.dest_start + 1
                break
            cut = block.dest_end if block.src_end <= 1 else block.dest_start + 1
            if block.src_end > 0:
                break
        right += first_right
        rest_words.append(word[1:])
        rest_readings.append(reading[cut:])
    return {"first_char_accuracy": round(right / max(len(words), 1), 4),
            "rest_score": round(score(rest_words, rest_readings)["score"], 4)}


def read_all(model, sequences) -> dict:
    """Greedy (the exported `outputs`, the figures by which models are compared) and, under "beam_lm", the
    beam search with the bundled language model and its default settings, as `fingerspell predict` reads."""
    words = [w for w, _ in sequences]
    readings = [model.predict(frames) for _, frames in sequences]
    beam = [model.predict(frames, "beam") for _, frames in sequences]
    result, beam_result = score(words, readings), score(words, beam)
    return {"score": round(result["score"], 4), "cer": round(result["cer"], 4), "sequences": len(words),
            **first_and_rest(words, readings),
            "beam_lm": {"score": round(beam_result["score"], 4), **first_and_rest(words, beam)},
            "median_frames": float(np.median([len(f) for _, f in sequences])),
            "examples": [f"{w} -> {r}" for w, r in list(zip(words, readings))[:8]]}


def held_out_run(name: str, args, out: Path, digits) -> dict:
    sources = tuple(s for s in SIGNERS if s != name)
    spec = PipelineSpec(str(out / f"without-{name}"), sequences=args.sequences, signers=args.signers,
                        data_seed=args.seed, sources=sources, minutes=args.minutes, settings=tuple(args.set),
                        train_in_subprocess=True)
    made = run_pipeline(spec, through="evaluate", progress=False)
    trained, synthetic = made["training"] or {}, made["evaluation"]
    model = load_model(spec.folders["export"] / "model.tflite")
    letters = read_all(model, real_sequences(name, Path(args.data), out / "openasl-extracted", args.seed))
    return {"held_out": name, "trained_on": list(sources), **letters, "digits": read_all(model, digits),
            "synthetic_test_score": round(synthetic["score"], 4), "steps": trained.get("step"),
            "train_seconds": trained.get("elapsed_s")}


def main() -> None:
    parser = training_parser(__doc__, "out/bench-real-letters")
    # the bundled model's synthetic data (tools/train_release.py): as many synthetic signers as the real
    # corpus has train signers (hands vary between people most), 6,000 sequences, seed 2026
    parser.set_defaults(signers=94, sequences=6000, seed=2026)
    parser.add_argument("--held-out", default=",".join(SIGNERS))
    parser.add_argument("--development", default="borisgraudt",
                        help="the signer choices may be made on; reported apart from the mean over the others")
    parser.add_argument("--digit-strings", type=int, default=60)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a training setting for every model (as `fingerspell train --set`), e.g. palm_frame=true")
    args = parser.parse_args()
    out = Path(args.out)
    digits = digit_sequences(args.digit_strings, args.seed)
    report = {"minutes_per_model": args.minutes, "settings": args.set, "development": args.development,
              "dataset": {"sequences": args.sequences, "signers": args.signers, "seed": args.seed},
              "digit_people_held_out": int(len(digit_bank(held_out=True).person_ids)), "signers": {}}
    for name in args.held_out.split(","):
        report["signers"][name] = held_out_run(name, args, out, digits)
        print(json.dumps(report["signers"][name]), file=sys.stderr, flush=True)
    folds = report["signers"]
    reported = [r for n, r in folds.items() if n != args.development]
    report["mean_score"] = round(float(np.mean([r["score"] for r in folds.values()])), 4)
    if reported:
        report["reported_mean"] = round(float(np.mean([r["score"] for r in reported])), 4)
        report["reported_first_char_accuracy"] = round(float(np.mean([r["first_char_accuracy"] for r in reported])), 4)
        report["reported_mean_beam_lm"] = round(float(np.mean([r["beam_lm"]["score"] for r in reported])), 4)
    if args.development in folds:
        report["development_score"] = folds[args.development]["score"]
    report["digits_mean"] = round(float(np.mean([r["digits"]["score"] for r in folds.values()])), 4)
    report["digits_mean_beam_lm"] = round(float(np.mean([r["digits"]["beam_lm"]["score"] for r in folds.values()])), 4)
    record("real_letters", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
