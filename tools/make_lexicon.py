"""Build the beam search's bundled lexicon (src/fingerspell/assets/lm/words.txt) from English word frequencies.

    pip install -e '.[lm]'   # wordfreq: needed here only, never to read
    python tools/make_lexicon.py [--words 50000] [--min-length 4] [--out PATH]

The lexicon is wordfreq's `--words` most frequent English words of plain letters (data CC BY-SA 4.0, from
Wikipedia, subtitles, news, books and the web), less those under `--min-length` letters: short "words" in such a list
are mostly fragments and abbreviations ("gen", "tex", "dol"), and with them the search split a misread word
into pieces that each look like a word ("dol hin" for "dolhin"). One word per line, in frequency order; it is
read as a words file (decoders/words.py), so the same checks apply.

The result is licensed CC BY-SA 4.0 (derived from wordfreq's data; see assets/LICENSES.md). Nothing comes
from the real-signer bench's words or the synthetic phrase generator; that the bench's 40 words are all in
it is reported beside every figure the lexicon changes (docs/decoding.md).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fingerspell.decoders.words import BUNDLED_LEXICON, read_lexicon  # noqa: E402


def lexicon_words(count: int, min_length: int) -> list[str]:
    from wordfreq import top_n_list
    listed = [w for w in top_n_list("en", 3 * count) if w.isascii() and w.isalpha()]
    if len(listed) < count:
        raise SystemExit(f"wordfreq lists only {len(listed)} words of plain letters; ask for fewer")
    return [w for w in listed[:count] if len(w) >= min_length]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--min-length", type=int, default=4)
    parser.add_argument("--out", default=str(BUNDLED_LEXICON))
    args = parser.parse_args()
    words = lexicon_words(args.words, args.min_length)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(out.name + ".tmp")
    staging.write_text("\n".join(words) + "\n", encoding="utf-8")
    read_lexicon(staging)  # what the search will read: checked before it replaces the old file
    staging.replace(out)
    from importlib.metadata import version
    print(f"wrote {out}: {len(words)} words of wordfreq {version('wordfreq')}, "
          f"{out.stat().st_size / 1e6:.2f} MB; e.g. {words[:8]}")


if __name__ == "__main__":
    main()
