"""Phrases like the ASL Fingerspelling corpus: addresses and names, URLs, phone numbers (1 to 31 chars).

Published mix (aslfr_published_stats.json): address or name 0.478, url 0.285, phone 0.237; length mean
17.8, std 5.7, max 31. Words come from a small English list and a syllable model, so the vocabulary is
open, as the real corpus's (46,478 distinct phrases) is.
"""
from __future__ import annotations

import re

import numpy as np

MAX_PHRASE = 31  # the longest train phrase in the real corpus
KINDS = ("address_or_name", "url", "phone")
KIND_WEIGHTS = (0.478, 0.285, 0.237)

_WORDS = ("oak hill lake park river spring creek forest valley ridge meadow sunset cedar pine maple willow "
          "bay shore harbor church mill bridge station market garden orchard canyon summit prairie golden "
          "silver fox eagle hawk bear deer stone rock sand water fire wood field farm ranch house cottage "
          "village city county north south grand royal franklin lincoln washington jefferson madison "
          "william george james mary elizabeth jackson walker green brown fisher baker miller carter "
          "sea fossil bayshore creekhouse private lanier winston fuller birch paper preston").split()
_SUFFIXES = "road lane street avenue drive boulevard place court way trail hill point circle terrace loop".split()
_DIRECTIONS = "north south east west northeast northwest southeast southwest".split()
_FIRST = ("sasha quentin billie darryl sherri liana amir sunshine maria jose wei yuki ahmed fatima olga ivan "
          "lucas emma noah mia liam ava ethan zoe omar leila raj priya chen kofi amara").split()
_TLDS = ".com .net .org .de .fr .pl .be .ru .co.uk .nl .jp .gr .ir .us .in .it .es .br .info .edu".split()
_PATHS = "index.html about news shop blog music video home forum info products contact".split()
_ONSETS = "b c d f g h j k l m n p r s t v w z br ch cl dr fl gr kr pl pr sh st th tr".split()
_VOWELS = "a e i o u a e i o ai ea ou ie".split()
_CODAS = ["", "", "", "n", "r", "s", "l", "t", "m", "nd", "rt", "ck", "ng", "x"]


def _syllable_word(rng: np.random.Generator, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))


def _word(rng: np.random.Generator) -> str:
    return str(rng.choice(_WORDS)) if rng.random() < 0.55 else _syllable_word(rng, int(rng.integers(1, 4)))


def _digits(rng: np.random.Generator, count: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, count))


def _address(rng: np.random.Generator) -> str:
    if rng.random() < 0.3:  # a person's name
        middle = f" {rng.choice(list('abcdefghjklmnprstw'))}" if rng.random() < 0.2 else ""
        return f"{rng.choice(_FIRST)}{middle} {_word(rng)}" + (f" {_word(rng)}" if rng.random() < 0.3 else "")
    parts = [str(int(10 ** rng.uniform(0, 5.5)))]
    if rng.random() < 0.25:
        parts.append(str(rng.choice(_DIRECTIONS)))
    parts += [_word(rng) for _ in range(int(rng.integers(1, 3)))]
    if rng.random() < 0.7:
        parts.append(str(rng.choice(_SUFFIXES)))
    return " ".join(parts)


def _url(rng: np.random.Generator) -> str:
    name = _word(rng) + (_word(rng) if rng.random() < 0.5 else "")
    if rng.random() < 0.2:
        name += "-" + _word(rng)
    if rng.random() < 0.15:
        name += _digits(rng, int(rng.integers(1, 5)))
    style = rng.random()
    if style < 0.25:
        url = "www." + name + str(rng.choice(_TLDS))
    elif style < 0.35:
        url = "https://www." + name + str(rng.choice(_TLDS))
    elif style < 0.75:
        url = name + str(rng.choice(_TLDS))
    else:  # a bare path, as many corpus phrases are ("scales/kuhaylah")
        url = ("/" if rng.random() < 0.3 else "") + name + "/" + _word(rng)
    if rng.random() < 0.45:
        tail = str(rng.choice(_PATHS)) if rng.random() < 0.4 else _word(rng)
        url += "/" + tail + (("_" if rng.random() < 0.3 else "") + _digits(rng, 2) if rng.random() < 0.3 else "")
    return url


def _phone(rng: np.random.Generator) -> str:
    style = rng.random()
    if style < 0.35:
        return f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 4)}"
    if style < 0.6:
        groups = [_digits(rng, int(rng.integers(2, 5))) for _ in range(int(rng.integers(3, 5)))]
        return f"+{rng.integers(1, 999)}-" + "-".join(groups)
    if style < 0.8:
        return _digits(rng, 10)
    return f"+{rng.integers(1, 999)}" + _digits(rng, int(rng.integers(8, 13)))


_MAKERS = {"address_or_name": _address, "url": _url, "phone": _phone}


def random_phrase(rng: np.random.Generator, kind: str | None = None) -> str:
    """One phrase of `kind` (default: drawn with the published mix), 1 to 31 characters."""
    kind = kind or str(rng.choice(KINDS, p=KIND_WEIGHTS))
    while True:
        phrase = _MAKERS[kind](rng)
        if 1 <= len(phrase) <= MAX_PHRASE:
            return phrase


def random_sentence(rng: np.random.Generator) -> str:
    """A supplemental-style sentence of lowercase words."""
    return " ".join(_word(rng) for _ in range(int(rng.integers(3, 7))))


def phrase_kind(phrase: str) -> str:
    """The corpus EDA's heuristic: phone = digits, + and -; url = www, '.' or '/' with no space."""
    if re.fullmatch(r"[\d+-]+", phrase):
        return "phone"
    if (" " not in phrase) and ("www" in phrase or "." in phrase or "/" in phrase):
        return "url"
    return "address_or_name"
