"""Greedy against beam search (alone, with the language model, with the lexicon, with the user's words), on
the bundled model.

Reads each sequence once for its per-step probabilities (LiteModel.step_probabilities, checked against the
exported `outputs`), then decodes them every way. Greedy is the exported `outputs` as a scorer reads them.

- synthetic: a Kaggle-layout dataset from `fingerspell synth` with a seed the bundled model never saw
  (its signers and phrases are all new to it), scored overall and per phrase kind. The language model was
  built from real text (tools/make_lm.py), not from the generator's phrases, which share its structure of
  addresses, URLs and phone numbers only as any such text does.
- real letters: real_letters.WORDS spelled by each of the four real signers' held letters, `--repeats`
  spellings per word (bench/real_letters.py's machinery). The bundled model was trained on synthetic hands
  drawn from all four signers, so these are hands it has seen in other words, not held out.
- `beam_lm` is the search with the language model alone; `beam_lm_lexicon` adds the bundled English lexicon
  (the default of `fingerspell predict`). All 40 real words are in the lexicon; the synthetic phrases' names,
  streets and web addresses mostly are not.
- `+words`: the user's list (on top of the defaults, lexicon included). Synthetic: every piece of the test
  phrases (as a person who lists the names and places they spell); real letters: the 40 words. Each with `--distractors` other English words.
- decode time: milliseconds per 150-frame sequence, the probabilities given (median), in Python and in
  the page's decoder.js in headless Chromium (where chromium is installed), and the model's run for
  `outputs` and for the probabilities.

    python bench/decoding.py [--synthetic out/decoding-synth] [--repeats 3] [--beam-width 16] [--lm-weight W]

Prints JSON and appends it to bench/results.jsonl.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from common import ROOT, record, run
from fingerspell.decoders.options import NO_LEXICON, NO_LM, Decoder, DecodingOptions
from fingerspell.decoders.words import pieces
from fingerspell.evaluation.real_sets import letter_words
from fingerspell.evaluation.scoring import exported_sequences
from fingerspell.inference import load_model
from fingerspell.metrics import score
from fingerspell.synth.phrases import KINDS, phrase_kind
from fingerspell.synth.real_letters import SIGNERS, WORDS

SYNTH_ARGS = ("--sequences", "800", "--signers", "20", "--seed", "4243")


def synthetic(model, folder: Path) -> list[tuple[str, np.ndarray]]:
    if not (folder / "train.csv").is_file():
        run("synth", str(folder), *SYNTH_ARGS, "--quiet")
    return [(phrase, frames) for _, _, phrase, frames in exported_sequences(folder, model.columns, "all")]


def real_letters(args, out: Path) -> dict[str, list[tuple[str, np.ndarray]]]:
    return {name: [pair for r in range(args.repeats)
                   for pair in letter_words(name, Path(args.data), out / "openasl-extracted", args.seed + r)]
            for name in SIGNERS}


def distractors(count: int, avoid: set[str]) -> list[str]:
    """English words that are not in the test (wordfreq, if installed; else none)."""
    try:
        from wordfreq import top_n_list
    except ImportError:
        return []
    return [w for w in top_n_list("en", 20 * count) if w.isascii() and w.isalpha() and w not in avoid][:count]


def words_file(texts: list[str], count: int, folder: Path, name: str) -> tuple[str, int]:
    listed = sorted({p for t in texts for p in pieces(t) if any(c.isalpha() for c in p)})
    listed += distractors(count, set(listed))
    path = folder / f"{name}.txt"
    path.write_text("\n".join(listed) + "\n", encoding="utf-8")
    return str(path), len(listed)


def scored(texts: list[str], readings: list[str]) -> dict:
    result = score(texts, readings)
    return {"score": round(result["score"], 4), "cer": round(result["cer"], 4), "sequences": len(texts)}


def by_kind(texts: list[str], readings: list[str]) -> dict:
    kinds = [phrase_kind(t) for t in texts]
    return {k: scored([t for t, q in zip(texts, kinds) if q == k], [r for r, q in zip(readings, kinds) if q == k])
            for k in KINDS if k in kinds}


def decode_all(decoder: Decoder, probabilities: list[np.ndarray]) -> list[str]:
    return [decoder.decode(p)[0] for p in probabilities]


def timing(model, decoders: dict, sequences, count: int = 40) -> dict:
    """ms per 150-frame sequence: each decoder on given probabilities, and the model's two runs."""
    frames = [np.resize(f, (150, f.shape[1])) for _, f in sequences[:count]]
    times = {"model_outputs_ms": _median_ms(lambda f: model.read(f), frames),
             "model_step_probabilities_ms": _median_ms(model.step_probabilities, frames)}
    probabilities = [model.step_probabilities(f) for f in frames]
    for name, decoder in decoders.items():
        times[f"{name}_decode_ms"] = _median_ms(decoder.decode, probabilities)
    times["steps_per_150_frames"] = int(probabilities[0].shape[0])
    words = decoders["beam_lm_words"].words
    return {**times, **page_timing(probabilities, sorted(words.words) if words else ["none"])}


def page_timing(probabilities: list[np.ndarray], words: list[str]) -> dict:
    """ms per 150-frame sequence of web/decoder.js in headless Chromium (as the page runs it), on the same
    probabilities; {} where there is no chromium."""
    import base64
    sys.path.insert(0, str(ROOT / "tests"))
    from support.browser import QUIET_CHROMIUM, chromium_path
    from fingerspell.decoders.lm import BUNDLED_LM
    from fingerspell.decoders.words import BUNDLED_LEXICON
    from fingerspell.live.serve import PAGE
    if chromium_path() is None:
        return {}
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=QUIET_CHROMIUM)
        page = browser.new_page()
        page.add_script_tag(content=(PAGE / "decoder.js").read_text(encoding="utf-8"))
        times = page.evaluate("""([lm, rows, words, lexiconText]) => {
            const D = fingerspellDecoder;
            const model = D.parseLM(Uint8Array.from(atob(lm), (c) => c.charCodeAt(0)).buffer);
            const listed = D.parseWords(words.join('\\n'));
            const median = (f) => {
                const spent = rows.map((r) => { const a = new Float32Array(r), t = performance.now();
                                                f(a, r.length / 60); return performance.now() - t; });
                return spent.sort((a, b) => a - b)[spent.length >> 1];
            };
            const lexicon = D.parseWords(lexiconText, 'words.txt', true);
            return {page_greedy_decode_ms: median((a, n) => D.greedy(a, n)),
                    page_beam_lm_decode_ms: median((a, n) => D.beamSearch(a, n, {}, model)),
                    page_beam_lm_lexicon_decode_ms: median((a, n) => D.beamSearch(a, n, {}, model, null, lexicon)),
                    page_beam_lm_words_decode_ms: median((a, n) => D.beamSearch(a, n, {}, model, listed, lexicon))};
        }""", [base64.b64encode(BUNDLED_LM.read_bytes()).decode(), [p.ravel().tolist() for p in probabilities],
               words, BUNDLED_LEXICON.read_text(encoding="utf-8")])
        browser.close()
    return {k: round(v, 2) for k, v in times.items()}


def _median_ms(call, items) -> float:
    spent = []
    for item in items:
        started = time.perf_counter()
        call(item)
        spent.append(1000 * (time.perf_counter() - started))
    return round(float(np.median(spent)), 2)


def compare(model, sequences, decoders: dict, words_decoder: Decoder | None) -> tuple[dict, dict]:
    texts = [t for t, _ in sequences]
    probabilities = [model.step_probabilities(f) for _, f in sequences]
    readings = {"greedy": [model.read(f).text for _, f in sequences]}
    readings.update({name: decode_all(d, probabilities) for name, d in decoders.items()})
    if words_decoder is not None:
        readings["beam_lm_words"] = decode_all(words_decoder, probabilities)
    return {name: scored(texts, r) for name, r in readings.items()}, readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", default="out/decoding-synth")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default="out/bench-decoding")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=3, help="spellings of each real word per signer")
    parser.add_argument("--distractors", type=int, default=1000, help="other words in each words list")
    parser.add_argument("--beam-width", type=int, default=DecodingOptions.beam_width)
    parser.add_argument("--lm-weight", type=float, default=DecodingOptions.lm_weight)
    parser.add_argument("--length-bonus", type=float, default=DecodingOptions.length_bonus)
    parser.add_argument("--word-bonus", type=float, default=DecodingOptions.word_bonus)
    parser.add_argument("--lexicon-bonus", type=float, default=DecodingOptions.lexicon_bonus)
    parser.add_argument("--lm", help="a language model file (default: the bundled one)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_model()
    beam = DecodingOptions(decoder="beam", beam_width=args.beam_width, lm_weight=args.lm_weight,
                           length_bonus=args.length_bonus, word_bonus=args.word_bonus,
                           lexicon_bonus=args.lexicon_bonus, lm=args.lm)
    # the beam alone has no language model's cost per character to balance: no length bonus
    decoders = {"beam": Decoder(replace(beam, lm=NO_LM, lexicon=NO_LEXICON, length_bonus=0.0)),
                "beam_lm": Decoder(replace(beam, lexicon=NO_LEXICON)), "beam_lm_lexicon": Decoder(beam)}
    report = {"model": "bundled", "options": {k: v for k, v in vars(beam).items() if k != "words"},
              "tuned_on": "dev data only: out/decoding-dev (fingerspell synth --sequences 300 --signers 10 "
                          "--seed 4244) and the development signer borisgraudt (2 spellings, seeds 100-101); "
                          "the width and the lexicon: the same synthetic set read by the development fold's "
                          "model (bench/real_letters.py, borisgraudt held out) and borisgraudt spelled by it "
                          "(seeds 100-102)"}
    lm = decoders["beam_lm"].lm
    lexicon = decoders["beam_lm_lexicon"].lexicon
    report["lexicon"] = {"file": lexicon.source, "words": len(lexicon.words),
                         "real_words_in_it": sum(w in lexicon.words for w in WORDS), "real_words": len(WORDS)}
    report["lm"] = {"file": lm.path, "bytes": Path(lm.path).stat().st_size, "order": lm.order,
                    "licence": lm.header.get("licence")}
    words_dir = Path(tempfile.mkdtemp(prefix="decoding-words-", dir=out))

    synth = synthetic(model, Path(args.synthetic))
    texts = [t for t, _ in synth]
    words_path, listed = words_file(texts, args.distractors, words_dir, "synthetic")
    results, readings = compare(model, synth, decoders, Decoder(replace(beam, words=words_path)))
    report["synthetic"] = {"dataset": f"fingerspell synth {' '.join(SYNTH_ARGS)}", "words_listed": listed,
                           **results, "by_kind": {name: by_kind(texts, r) for name, r in readings.items()}}
    print(json.dumps(report["synthetic"]), file=sys.stderr, flush=True)

    signers = real_letters(args, out)
    words_path, listed = words_file(list(WORDS), args.distractors, words_dir, "real")
    words_decoder = Decoder(replace(beam, words=words_path))
    per_signer = {name: compare(model, seqs, decoders, words_decoder)[0] for name, seqs in signers.items()}
    report["real_letters"] = {"words_listed": listed, "repeats": args.repeats, "signers": per_signer,
                              "mean": {name: round(float(np.mean([s[name]["score"] for s in per_signer.values()])), 4)
                                       for name in next(iter(per_signer.values()))}}
    report["time"] = timing(model, {**decoders, "beam_lm_words": words_decoder}, synth)
    record("decoding", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
