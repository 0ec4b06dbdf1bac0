"""The 59-character vocabulary of the Google ASL Fingerspelling dataset, plus model tokens.

`CHARACTERS[i]` is the character whose index in `character_to_prediction_index.json` is i.
Model-side tokens come after the 59 so that the first 59 logits line up with the competition output.
"""
from __future__ import annotations

import json
from pathlib import Path

CHARACTERS: tuple[str, ...] = tuple(" !#$%&'()*+,-./0123456789:;=?@[_abcdefghijklmnopqrstuvwxyz~")
NUM_CHARACTERS = len(CHARACTERS)  # 59: the width of the exported `outputs`
CHAR_TO_INDEX: dict[str, int] = {c: i for i, c in enumerate(CHARACTERS)}

PAD_TOKEN = NUM_CHARACTERS  # 59: padding in target tensors
SOS_TOKEN = NUM_CHARACTERS + 1  # 60: decoder start (seq2seq)
EOS_TOKEN = NUM_CHARACTERS + 2  # 61: decoder end (seq2seq)
BLANK_TOKEN = NUM_CHARACTERS  # 59: the CTC blank shares the padding slot; CTC has no start/end
SEQ2SEQ_CLASSES = NUM_CHARACTERS + 3  # 62 logits: characters, pad, start, end
CTC_CLASSES = NUM_CHARACTERS + 1  # 60 logits: characters, blank

assert NUM_CHARACTERS == 59


def unknown_characters(phrase: str) -> list[str]:
    """The characters of `phrase` that are not in the vocabulary, in order of first appearance."""
    return list(dict.fromkeys(c for c in phrase if c not in CHAR_TO_INDEX))


def encode(phrase: str) -> list[int]:
    """Character indices of `phrase`; raises ValueError naming any character outside the 59."""
    bad = unknown_characters(phrase)
    if bad:
        raise ValueError(f"characters outside the 59-character vocabulary: {bad!r}")
    return [CHAR_TO_INDEX[c] for c in phrase]


def decode(indices) -> str:
    """Text for a sequence of indices; indices >= 59 (model tokens) are dropped."""
    return "".join(CHARACTERS[i] for i in indices if 0 <= int(i) < NUM_CHARACTERS)


CHARACTER_MAP_FILE = "character_to_prediction_index.json"  # the competition's name


def write_character_map(path: str | Path) -> None:
    """Write `character_to_prediction_index.json` exactly as the competition ships it."""
    Path(path).write_text(json.dumps(CHAR_TO_INDEX), encoding="utf-8")


def read_character_map(path: str | Path) -> dict[str, int]:
    """Read a character map and check it is the competition's: same characters, same indices."""
    mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    if mapping != CHAR_TO_INDEX:
        differ = sorted(set(mapping.items()) ^ set(CHAR_TO_INDEX.items()))
        raise ValueError(f"{path}: not the 59-character competition map; differs at {differ[:5]}")
    return mapping
