"""How a reading is decoded: `DecodingOptions` (what the CLI's --decoder, --beam-width, --lm-weight, --lm,
--lexicon and --words set) and `Decoder`, built once from them, that turns per-step probabilities into text.

The search's defaults (language model weight 0.3, length bonus 1.5, word bonus 1.0; then width 16 and the
lexicon's 0.5 per character of a whole word) are the best found on development data only: a synthetic set
and the one real signer the reported figures leave out (docs/decoding.md says how each was chosen). The
library's default decoder stays greedy, the exported model's own reading, so that code measuring a model gets
its `outputs`; `fingerspell predict` and the live page read with the beam search by default.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from fingerspell.decoders.beam import SearchSettings, beam_search
from fingerspell.decoders.lm import CharLM, load_lm
from fingerspell.decoders.words import UserWords, read_lexicon, read_words
from fingerspell.vocab import BLANK_TOKEN, decode

DECODERS = ("greedy", "beam")
DEFAULT_DECODER = "greedy"  # of load_model and LiteModel; `fingerspell predict` defaults to "beam"
NO_LM = "none"  # --lm none: beam search on the model's probabilities alone
NO_LEXICON = "none"  # --lexicon none: no word list but the user's


@dataclass(frozen=True)
class DecodingOptions:
    """decoder: "greedy" (the most likely character at each step, as the exported `outputs`) or "beam".
    lm: a language model file (tools/make_lm.py); None the bundled one, "none" no language model.
    lexicon: a words file of whole words the search favours (tools/make_lexicon.py); None the bundled
    English lexicon, "none" none.
    words: a words file (one word or name per line) whose words the search favours."""
    decoder: str = DEFAULT_DECODER
    beam_width: int = 16
    lm_weight: float = 0.3
    length_bonus: float = 1.5
    word_bonus: float = 1.0
    lexicon_bonus: float = 0.5
    lm: str | None = None
    lexicon: str | None = None
    words: str | None = None

    def __post_init__(self):
        if self.decoder not in DECODERS:
            raise ValueError(f"decoder {self.decoder!r}: expected one of {DECODERS}")
        if self.beam_width < 1:
            raise ValueError(f"beam width {self.beam_width}: expected 1 or more")
        if self.lm_weight < 0 or self.word_bonus < 0 or self.lexicon_bonus < 0:
            raise ValueError("the language model weight and the word and lexicon bonuses cannot be negative")
        if self.words is not None and self.decoder != "beam":
            raise ValueError("a words list is read by the beam search: use it with decoder 'beam'")

    def settings(self) -> SearchSettings:
        return SearchSettings(self.beam_width, self.lm_weight, self.length_bonus, self.word_bonus,
                              lexicon_bonus=self.lexicon_bonus)


def as_options(value: "DecodingOptions | str | None", default: DecodingOptions | None = None) -> DecodingOptions:
    """None -> `default` (or the defaults); "greedy" or "beam" -> `default` with that decoder."""
    default = default or DecodingOptions()
    if value is None:
        return default
    if isinstance(value, str):
        return replace(default, decoder=value, words=default.words if value == "beam" else None)
    if isinstance(value, DecodingOptions):
        return value
    raise TypeError(f"decoder: expected 'greedy', 'beam' or DecodingOptions, got {type(value).__name__}")


class Decoder:
    """Per-step probabilities -> text, as `options` say. Loads the language model, the lexicon and the words
    file once; a missing or damaged one is an error here, never a quiet greedy reading."""

    def __init__(self, options: DecodingOptions):
        self.options = options
        self.lm: CharLM | None = None
        self.words: UserWords | None = None
        self.lexicon: UserWords | None = None
        if options.decoder == "beam":
            self.lm = None if options.lm == NO_LM else load_lm(options.lm)
            self.words = read_words(options.words) if options.words is not None else None
            self.lexicon = None if options.lexicon == NO_LEXICON else read_lexicon(options.lexicon)

    def decode(self, probabilities: np.ndarray) -> tuple[str, list[float]]:
        """probabilities: (steps, 59 + blank) -> (text, per-character confidence)."""
        if self.options.decoder == "greedy":
            return greedy_decode(probabilities)
        text, confidence, _ = beam_search(probabilities, self.options.settings(), self.lm, self.words, self.lexicon)
        return text, confidence


def greedy_decode(probabilities: np.ndarray) -> tuple[str, list[float]]:
    """CTC best path: the most likely symbol per step, repeats merged, blanks dropped."""
    probabilities = np.asarray(probabilities)
    best = np.argmax(probabilities, axis=1) if len(probabilities) else np.zeros(0, int)
    keep = (best != BLANK_TOKEN) & (best != np.concatenate([[-1], best[:-1]]))
    steps = np.flatnonzero(keep)
    return decode(best[steps]), [float(probabilities[s, best[s]]) for s in steps]
