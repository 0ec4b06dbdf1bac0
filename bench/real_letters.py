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
  bundled language model and lexicon at their defaults (`beam_lm`, `reported_mean_beam_lm`,
  `digits_mean_beam_lm`), and without the lexicon (`beam_lm_no_lexicon`); all 40 words are in the lexicon,
  so each held-out signer also spells real_letters.NAMES, 20 names the lexicon does not hold (`names`):
  what the lexicon must not spoil;
- the first character of each word is scored apart from the rest (`first_char_accuracy`, `rest_score`):
  on real video the first letter is the one most often lost; `first_letters_elsewhere` reads the same
  letters where they stand later in words, since some letters are harder than others wherever they stand;
- doubled characters ("ll" in yellow, "55" in a digit string) are counted apart (`doubles_read`: the share
  read as two; `reported_doubles_read`, `digits_doubles_read`): a model that reads a double once loses a
  character however well it knows the letter;
- a J or Z that a source holds still (a photo, a single capture) is moved along the real trace of the
  spoken-to-signed clips (synth.traces): a J held still is an I.

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

from common import record, training_parser
from fingerspell.evaluation.real_sets import digit_strings, letter_words, read_set
from fingerspell.inference import load_model
from fingerspell.pipeline import PipelineSpec, run_pipeline
from fingerspell.synth.handshapes import digit_bank
from fingerspell.synth.real_letters import NAMES, SIGNERS

ROOT = Path(__file__).resolve().parents[1]


def held_out_run(name: str, args, out: Path, digits) -> dict:
    sources = tuple(s for s in SIGNERS if s != name)
    spec = PipelineSpec(str(out / f"without-{name}"), sequences=args.sequences, signers=args.signers,
                        data_seed=args.seed, sources=sources, minutes=args.minutes, settings=tuple(args.set),
                        train_in_subprocess=True)
    made = run_pipeline(spec, through="evaluate", progress=False)
    trained, synthetic = made["training"] or {}, made["evaluation"]
    model = load_model(spec.folders["export"] / "model.tflite")
    letters = read_set(model, letter_words(name, Path(args.data), out / "openasl-extracted", args.seed))
    names = read_set(model, letter_words(name, Path(args.data), out / "openasl-extracted", args.seed, NAMES))
    return {"held_out": name, "trained_on": list(sources), **letters, "digits": read_set(model, digits),
            "names": names, "reused_training": "train" in made["reused"],
            "synthetic_test_score": round(synthetic["score"], 4), "steps": trained.get("step"),
            "train_seconds": trained.get("elapsed_s")}


def _part(result: dict, keys: tuple[str, ...]) -> dict:
    for key in keys:
        result = result[key]
    return result


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
    digits = digit_strings(args.digit_strings, args.seed)
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
        elsewhere = [r["first_letters_elsewhere"] for r in reported if r["first_letters_elsewhere"] is not None]
        report["reported_first_letters_elsewhere"] = round(float(np.mean(elsewhere)), 4) if elsewhere else None
        for key, part in (("reported_mean_beam_lm", ("beam_lm",)),
                          ("reported_mean_beam_lm_no_lexicon", ("beam_lm_no_lexicon",)),
                          ("reported_names", ("names",)), ("reported_names_beam_lm", ("names", "beam_lm")),
                          ("reported_names_beam_lm_no_lexicon", ("names", "beam_lm_no_lexicon"))):
            report[key] = round(float(np.mean([_part(r, part)["score"] for r in reported])), 4)
    for key, sets in (("reported_doubles_read", reported),
                      ("digits_doubles_read", [r["digits"] for r in folds.values()])):
        shares = [r["doubles_read"] for r in sets if r.get("doubles_read") is not None]
        report[key] = round(float(np.mean(shares)), 4) if shares else None
    if args.development in folds:
        report["development_score"] = folds[args.development]["score"]
    report["digits_mean"] = round(float(np.mean([r["digits"]["score"] for r in folds.values()])), 4)
    report["digits_mean_beam_lm"] = round(float(np.mean([r["digits"]["beam_lm"]["score"] for r in folds.values()])), 4)
    record("real_letters", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
