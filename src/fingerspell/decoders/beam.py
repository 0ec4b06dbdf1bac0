"""CTC prefix beam search with a character language model and the user's words (Hannun et al. 2014).

Each hypothesis is a prefix (the text so far) with two CTC probabilities: of all alignments that read it and
end on a blank, and of those that end on its last character (a repeat merges into that character unless a
blank came between). It is ranked by

    log P_ctc(prefix) + lm_weight * log P_lm(prefix) + length_bonus * len(prefix)
        + word_bonus * characters of the user's words + lexicon_bonus * characters of lexicon words

and only `beam_width` hypotheses go on to the next step; at the end the language model also scores the
phrase's end. A character whose probability at a step is under `min_probability` is not tried there: it
cannot win, and skipping it keeps a 150-frame sequence to milliseconds.

web/decoder.js is this module's twin: the same loop, the same order of additions and the same tie rule
(higher score, then the smaller text), so that both read the same text from the same probabilities.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from fingerspell.decoders.lm import END, START, CharLM
from fingerspell.decoders.words import UserWords, WordState
from fingerspell.vocab import BLANK_TOKEN, CHARACTERS, NUM_CHARACTERS

NEVER = -math.inf


@dataclass(frozen=True)
class SearchSettings:
    beam_width: int = 8
    lm_weight: float = 0.5
    length_bonus: float = 0.0
    word_bonus: float = 0.0
    min_probability: float = 1e-3
    lexicon_bonus: float = 0.0


@dataclass
class Hypothesis:
    text: str
    symbols: tuple[int, ...]
    lm: float  # log P_lm of its characters
    words: WordState  # against the user's words
    lexicon: WordState  # against the lexicon
    confidence: list[float]  # per character: its best probability at a step that read it
    blank: float = NEVER
    character: float = NEVER
    rank: float = field(default=NEVER, compare=False)


def log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)), written as web/decoder.js writes it."""
    if a == NEVER:
        return b
    if b == NEVER:
        return a
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log1p(math.exp(low - high))


def beam_search(probabilities: np.ndarray, settings: SearchSettings, lm: CharLM | None = None,
                words: UserWords | None = None, lexicon: UserWords | None = None) -> tuple[str, list[float], float]:
    """probabilities: (steps, 59 + blank), each row summing to 1 -> (text, per-character confidence, score).
    `words`: the user's words; `lexicon`: a whole-only word list (words.read_lexicon)."""
    probabilities = np.asarray(probabilities, np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CHARACTERS + 1:
        raise ValueError(f"expected (steps, {NUM_CHARACTERS + 1}) probabilities, got {probabilities.shape}")
    empty = Hypothesis("", (), 0.0, WordState(), WordState(), [], blank=0.0)
    lists = (words, lexicon)
    beams = [empty]
    for row in probabilities:
        beams = _step(beams, row, settings, lm, lists)
    finals = [(_final_score(h, settings, lm, lists), h) for h in beams]
    score, best = min(finals, key=lambda pair: (-pair[0], pair[1].text))
    return best.text, best.confidence, score


def _step(beams, row, settings: SearchSettings, lm, lists) -> list[Hypothesis]:
    logs = [math.log(p) if p > 0 else NEVER for p in row.tolist()]
    tried = [c for c in range(NUM_CHARACTERS) if row[c] >= settings.min_probability]
    following: dict[str, Hypothesis] = {}
    for beam in beams:
        total = log_add(beam.blank, beam.character)
        same = _entry(following, beam)
        same.blank = log_add(same.blank, total + logs[BLANK_TOKEN])
        if beam.symbols:
            last = beam.symbols[-1]
            same.character = log_add(same.character, beam.character + logs[last])
            same.confidence[-1] = max(same.confidence[-1], float(row[last]))
        for symbol in tried:
            repeat = bool(beam.symbols) and symbol == beam.symbols[-1]
            longer = _extended(following, beam, symbol, float(row[symbol]), lm, lists)
            longer.character = log_add(longer.character, (beam.blank if repeat else total) + logs[symbol])
    for hypothesis in following.values():
        hypothesis.rank = _rank(hypothesis, settings, lists)
    ranked = sorted(following.values(), key=lambda h: (-h.rank, h.text))
    return ranked[: settings.beam_width]


def _entry(following: dict, beam: Hypothesis) -> Hypothesis:
    found = following.get(beam.text)
    if found is None:
        found = following[beam.text] = Hypothesis(beam.text, beam.symbols, beam.lm, beam.words, beam.lexicon,
                                                  list(beam.confidence))
    return found


def _extended(following: dict, beam: Hypothesis, symbol: int, probability: float, lm, lists) -> Hypothesis:
    text = beam.text + CHARACTERS[symbol]
    found = following.get(text)
    if found is None:
        words, lexicon = lists
        lm_score = beam.lm + (float(lm.log_probs((START, *beam.symbols))[symbol]) if lm is not None else 0.0)
        state = beam.words.after(symbol, CHARACTERS[symbol], words) if words is not None else beam.words
        known = beam.lexicon.after(symbol, CHARACTERS[symbol], lexicon) if lexicon is not None else beam.lexicon
        found = following[text] = Hypothesis(text, beam.symbols + (symbol,), lm_score, state, known,
                                             [*beam.confidence, probability])
    else:
        found.confidence[-1] = max(found.confidence[-1], probability)
    return found


def _rank(h: Hypothesis, settings: SearchSettings, lists) -> float:
    score = log_add(h.blank, h.character) + settings.lm_weight * h.lm + settings.length_bonus * len(h.symbols)
    return score + _listed(h, settings, lists, final=False)


def _final_score(h: Hypothesis, settings: SearchSettings, lm, lists) -> float:
    end = float(lm.log_probs((START, *h.symbols))[END]) if lm is not None else 0.0
    score = (log_add(h.blank, h.character) + settings.lm_weight * (h.lm + end)
             + settings.length_bonus * len(h.symbols))
    return score + _listed(h, settings, lists, final=True)


def _listed(h: Hypothesis, settings: SearchSettings, lists, final: bool) -> float:
    """The bonuses of the user's words, then of the lexicon (in that order, as web/decoder.js adds them)."""
    words, lexicon = lists
    bonus = settings.word_bonus * h.words.score(words, final) if words is not None else 0.0
    return bonus + (settings.lexicon_bonus * h.lexicon.score(lexicon, final) if lexicon is not None else 0.0)

