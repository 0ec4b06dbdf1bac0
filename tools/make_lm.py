"""Build the bundled character language model (src/fingerspell/assets/lm/chars.fslm) from real text.

    pip install -e '.[lm]'   # wordfreq and Faker: needed here only, never to read
    python tools/make_lm.py [--phrases 300000] [--order 6] [--min-count 2] [--seed 2026] [--out PATH]

The phrases people fingerspell are names, street addresses, web addresses and phone numbers, in the mix the
ASL Fingerspelling corpus publishes (address or name 0.478, url 0.285, phone 0.237). They are drawn from:
- English words by how often they are used: wordfreq's English list (data CC BY-SA 4.0, from Wikipedia,
  subtitles, news, books and the web), sampled in proportion to the square root of their frequency so that
  the words people spell (nouns, names) are not drowned by "the" and "of";
- names, street addresses, web and e-mail addresses and phone numbers from Faker's en_US providers (MIT;
  its names are the US Census's lists, its street suffixes the USPS's).
Nothing comes from fingerspell's synthetic phrase generator (synth/phrases.py) nor from the words of the
real-signer bench: a model built from those would flatter the scores it is measured by.

The result is licensed CC BY-SA 4.0 (it is derived from wordfreq's data; see assets/LICENSES.md).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fingerspell.decoders.lm import BUNDLED_LM, write_lm  # noqa: E402
from fingerspell.decoders.lm_build import build_tables  # noqa: E402
from fingerspell.vocab import CHAR_TO_INDEX  # noqa: E402

KIND_WEIGHTS = {"address_or_name": 0.478, "url": 0.285, "phone": 0.237}  # the corpus's published mix
LICENCE = "CC BY-SA 4.0 (derived from wordfreq's English data); Faker en_US data MIT"


def clean(text: str) -> str:
    """Lowercase, one line, only the 59 characters (Faker writes capitals, newlines and the odd accent)."""
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return "".join(c for c in text if c in CHAR_TO_INDEX)[:64]


class Sources:
    def __init__(self, seed: int, words: int):
        from faker import Faker
        from wordfreq import top_n_list, word_frequency
        Faker.seed(seed)
        self.fake = Faker("en_US")
        self.rng = np.random.default_rng(seed)
        listed = [w for w in top_n_list("en", words) if w.isascii() and w.isalpha() and len(w) > 1]
        weights = np.sqrt([word_frequency(w, "en") for w in listed])
        self.words, self.weights = listed, weights / weights.sum()

    def word(self) -> str:
        return str(self.words[self.rng.choice(len(self.words), p=self.weights)])

    def address_or_name(self) -> str:
        pick = self.rng.random()
        if pick < 0.3:
            return self.fake.name() if self.rng.random() < 0.7 else self.fake.first_name()
        if pick < 0.75:
            return self.fake.street_address() if self.rng.random() < 0.8 else self.fake.address()
        return " ".join(self.word() for _ in range(int(self.rng.integers(1, 4))))

    def url(self) -> str:
        pick = self.rng.random()
        if pick < 0.25:
            return self.fake.url()
        if pick < 0.45:
            return self.fake.uri()
        if pick < 0.6:
            return self.fake.email()
        if pick < 0.75:
            return self.fake.domain_name()
        name = "".join(self.word() for _ in range(int(self.rng.integers(1, 3))))
        return f"www.{name}.{self.fake.tld()}"

    def phone(self) -> str:
        return self.fake.phone_number() if self.rng.random() < 0.8 else self.fake.msisdn()


def phrases(count: int, seed: int, words: int) -> list[str]:
    sources = Sources(seed, words)
    kinds = list(KIND_WEIGHTS)
    drawn = sources.rng.choice(len(kinds), size=count, p=list(KIND_WEIGHTS.values()))
    out = [clean(getattr(sources, kinds[k])()) for k in drawn]
    return [p for p in out if p]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phrases", type=int, default=300_000)
    parser.add_argument("--order", type=int, default=6, help="characters of context + 1")
    parser.add_argument("--min-count", type=int, default=5, help="n-grams of order 3 and up seen fewer times are pruned")
    parser.add_argument("--words", type=int, default=60_000, help="wordfreq's most frequent English words used")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=str(BUNDLED_LM))
    args = parser.parse_args()
    started = time.monotonic()
    text = phrases(args.phrases, args.seed, args.words)
    tables = build_tables(text, args.order, args.min_count)
    from importlib.metadata import version
    header = {"source": f"{len(text)} phrases: wordfreq {version('wordfreq')} English words and Faker "
                        f"{version('faker')} en_US names, addresses, URLs, phone numbers "
                        "in the ASL Fingerspelling corpus's published mix of kinds",
              "licence": LICENCE, "built_by": "tools/make_lm.py", "arguments": vars(args),
              "examples": text[:12]}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    size = write_lm(out, tables, header)
    print(f"wrote {out}: {size / 1e6:.2f} MB, n-grams per order {[len(t.keys) for t in tables]}, "
          f"{time.monotonic() - started:.0f} s; e.g. {text[:6]}")


if __name__ == "__main__":
    main()
