"""Word lists the beam search favours: the user's own words (`--words FILE`, the page's `?words=`), the names
and places a person spells most, and the bundled English lexicon (assets/lm/words.txt, tools/make_lexicon.py).

A words file holds one word or name per line, UTF-8. Letters are lowercased (the 59 characters have no
capitals); any other character outside the 59 is an error naming the file and the line. A line is split
into pieces at every character that is not a letter, a digit or an apostrophe ("new york" -> "new", "york";
"mary.smith@mail.com" -> "mary", "smith", "mail", "com"), and the search reads text in the same pieces.

In the beam search a piece being read earns `bonus` per character while it is still the beginning of a
listed piece, and keeps it only if it ends as a whole listed piece: a reading is pulled towards the list,
never pushed to end inside a listed word. The lexicon is `whole_only`: its piece earns only once it ends
as a whole word. A list of 50,000 words begins almost every string, so a reward for beginnings would only
favour longer readings; a reward for whole words favours "jacket" over "jackat".
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fingerspell.errors import DataError
from fingerspell.vocab import CHARACTERS, unknown_characters

BUNDLED_LEXICON = Path(__file__).resolve().parents[1] / "assets" / "lm" / "words.txt"
PIECE_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'")
BREAK_SYMBOLS = frozenset(i for i, c in enumerate(CHARACTERS) if c not in PIECE_CHARACTERS)


def pieces(text: str) -> list[str]:
    """`text` split at every character that is not a letter, digit or apostrophe; empty pieces dropped."""
    out, piece = [], ""
    for character in text:
        if character in PIECE_CHARACTERS:
            piece += character
        elif piece:
            out.append(piece)
            piece = ""
    return out + ([piece] if piece else [])


@dataclass(frozen=True)
class UserWords:
    """The listed pieces and, unless `whole_only`, every beginning of one, for the search's bonus."""
    words: frozenset[str]
    beginnings: frozenset[str]
    source: str = ""

    @classmethod
    def from_words(cls, words, source: str = "", whole_only: bool = False) -> "UserWords":
        listed = frozenset(p for word in words for p in pieces(word.lower()))
        beginnings = frozenset() if whole_only else frozenset(w[:k] for w in listed for k in range(1, len(w) + 1))
        return cls(listed, beginnings, source)


@dataclass(frozen=True)
class WordState:
    """Where a reading stands against the list: characters of whole listed pieces read so far (`done`) and
    the piece being read (`piece`)."""
    done: int = 0
    piece: str = ""

    def after(self, symbol: int, character: str, words: UserWords) -> "WordState":
        if symbol in BREAK_SYMBOLS:
            return WordState(self.done + (len(self.piece) if self.piece in words.words else 0), "")
        return WordState(self.done, self.piece + character)

    def score(self, words: UserWords, final: bool = False) -> int:
        """Characters that earn the bonus: whole pieces, and the piece being read while it can still become
        one (at the end of the reading only if it has)."""
        open_piece = words.words if final else words.beginnings
        return self.done + (len(self.piece) if self.piece in open_piece else 0)


def read_words(path: str | Path, whole_only: bool = False) -> UserWords:
    """A words file -> UserWords. DataError naming the file (and the line) if it is missing, not UTF-8 text,
    has no words, or holds a character outside the 59 after lowercasing."""
    path = Path(path)
    if not path.is_file():
        raise DataError("words file not found", path)
    data = path.read_bytes()
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DataError(f"line {line}: not a text file (a NUL byte); expected one word or name per line", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(f"line {line}: not UTF-8 text; expected one word or name per line", path) from None
    words = []
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip().lower()
        bad = unknown_characters(word)
        if bad:
            raise DataError(f"line {number}: characters outside the 59-character vocabulary: {bad!r}", path)
        if word:
            words.append(word)
    listed = UserWords.from_words(words, str(path), whole_only)
    if not listed.words:
        raise DataError("no words in it; expected one word or name per line", path)
    return listed


def read_lexicon(path: str | Path | None = None) -> UserWords:
    """The lexicon file (default: the bundled one) -> a whole-only UserWords; read_words' errors."""
    return read_words(BUNDLED_LEXICON if path is None else path, whole_only=True)
