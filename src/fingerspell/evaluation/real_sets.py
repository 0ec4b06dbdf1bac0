"""Real-hand test sets and how a model reads them: the one definition the benches and the bundled model's
record share.

- letter words: one real letter signer's letters (synth.real_letters) spelled as real_letters.WORDS (or
  real_letters.NAMES, names the beam search's lexicon does not hold); a J or Z
  the signer's data holds still is moved along the spoken-to-signed signer's real trace (synth.traces);
- digit strings: 7 to 10 digits, each string spelled with the real number handshapes of one person the
  generator never draws (tools/make_digit_assets.py holds about a fifth of the people out);
- `read_set`: the competition score, greedy (the exported `outputs`) and with the beam search and the
  bundled language model and lexicon at their defaults (and without the lexicon), with the first character
  of each word scored apart and the share of doubled characters read as two (`doubles_read`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from fingerspell.decoders.options import NO_LEXICON, DecodingOptions
from fingerspell.metrics import score
from fingerspell.synth.handshapes import digit_bank, is_mirrored
from fingerspell.synth.real_letters import PHOTO_FOLDER, WORDS, RealLetters, read_signer, spell_word
from fingerspell.synth.traces import TRACED, trace_of

# where a digit photo's canonical hand is put in the image: a webcam-sized hand (wrist to middle knuckle
# about a tenth of the image), wrist low in the middle
DIGIT_WRIST, DIGIT_PALM = np.array([0.5, 0.75, 0.0]), 0.1


def letter_words(name: str, data_root: str | Path, extracted: str | Path, seed: int,
                 words: tuple[str, ...] = WORDS) -> list[tuple[str, np.ndarray]]:
    """(word, frames) for every word of `words`, spelled with real signer `name`'s letters (seeded). The
    openasl photos are extracted into `extracted` once (needs the video environment)."""
    data_root, extracted = Path(data_root), Path(extracted)
    if name == "openasl" and not (extracted / "metadata.csv").is_file():
        from fingerspell.video.extract import extract
        extract([str(p) for p in sorted((data_root / PHOTO_FOLDER).glob("*.png"))], extracted, progress=False)
    real = read_signer(name, data_root, extracted)
    mirrored = is_mirrored(real.hands, real.letters)
    rng = np.random.default_rng([seed, 5])
    traces = real_traces(data_root)
    return [(word, spell_word(real, word, rng, mirrored, traces)) for word in words]


def real_traces(data_root: str | Path) -> dict[str, np.ndarray]:
    """J and Z as the spoken-to-signed signer moves them (synth.traces): given to letters held still."""
    spoken = read_signer("spoken_to_signed", data_root)
    return {letter: trace_of(spoken.of(letter)[0]) for letter in TRACED}


def digit_strings(count: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """(digits, frames): `count` strings of 7 to 10 digits, each spelled by one held-out person's photos
    (people in turn), only the digits that person's photos show."""
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
            "rest_score": round(score(rest_words, rest_readings)["score"], 4),
            "first_letters_elsewhere": _first_letters_elsewhere(words, readings)}


def _first_letters_elsewhere(words: list[str], readings: list[str]) -> float | None:
    """How often the words' first letters are read right where they stand later in a word (pooled over the
    set, weighted as they start words): the yardstick for first_char_accuracy, since some letters are
    harder than others whatever their place (a word list that starts with J, Q and Z reads worse first)."""
    later_right, later_seen = {}, {}
    for word, reading in zip(words, readings):
        right = _read_as_themselves(word, reading)
        for position in range(1, len(word)):
            later_seen[word[position]] = later_seen.get(word[position], 0) + 1
            later_right[word[position]] = later_right.get(word[position], 0) + int(right[position])
    rates = [later_right[w[0]] / later_seen[w[0]] for w in words if w and later_seen.get(w[0])]
    return round(float(np.mean(rates)), 4) if rates else None


def _read_as_themselves(word: str, reading: str) -> np.ndarray:
    """Per character of `word`, whether the alignment with `reading` reads it as itself where it stands."""
    right = np.zeros(len(word), dtype=bool)
    for block in Levenshtein.opcodes(word, reading):
        if block.tag == "equal":
            right[block.src_start:block.src_end] = True
    return right


def doubles_read(words: list[str], readings: list[str]) -> float | None:
    """Of the doubled characters in `words` (the same letter or digit twice in a row: "ll", "55"; each pair
    of a run "www"), the share read as two: both characters read as themselves where they stand, by the
    alignment of word and reading. None where the words have no double. A CTC model must end one character
    and start it again to write a double, so a double not shown by a movement is read once."""
    pairs = right = 0
    for word, reading in zip(words, readings):
        matched = _read_as_themselves(word, reading)
        for i in range(len(word) - 1):
            if word[i] == word[i + 1] and not word[i].isspace():
                pairs += 1
                right += bool(matched[i] and matched[i + 1])
    return round(right / pairs, 4) if pairs else None


def read_set(model, sequences: list[tuple[str, np.ndarray]], examples: int = 8) -> dict:
    """Greedy (the exported `outputs`, by which models are compared) and, under "beam_lm", the beam search
    with the bundled language model and lexicon at their default settings, as `fingerspell predict` reads;
    "beam_lm_no_lexicon": the same search without the lexicon."""
    words = [w for w, _ in sequences]
    readings = [model.predict(frames, "greedy") for _, frames in sequences]
    beam = [model.predict(frames, "beam") for _, frames in sequences]
    no_lexicon = DecodingOptions(decoder="beam", lexicon=NO_LEXICON)
    unlisted = [model.predict(frames, no_lexicon) for _, frames in sequences]
    result, beam_result = score(words, readings), score(words, beam)
    return {"score": round(result["score"], 4), "cer": round(result["cer"], 4), "sequences": len(words),
            **first_and_rest(words, readings), "doubles_read": doubles_read(words, readings),
            "beam_lm": {"score": round(beam_result["score"], 4), **first_and_rest(words, beam),
                        "doubles_read": doubles_read(words, beam)},
            "beam_lm_no_lexicon": {"score": round(score(words, unlisted)["score"], 4)},
            "median_frames": float(np.median([len(f) for _, f in sequences])),
            "examples": [f"{w} -> {r}" for w, r in list(zip(words, readings))[:examples]]}
