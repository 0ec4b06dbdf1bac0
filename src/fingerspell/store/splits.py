"""The one split rule: which sequences train, which are held out for validation and test.

`prepare` applies it and records it in the store (header `split_rule`, and each sequence's split in
sequences.csv); everything that scores "the test split" afterwards reads that record instead of deriving the
split again, so a store prepared with another seed or fractions is scored on its own split.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

SPLITS = ("train", "val", "test", "unused")
HELD_OUT = ("val", "test")


@dataclass(frozen=True)
class SplitRule:
    """Signers are split (`val_fraction`, `test_fraction` of them, drawn with `seed`); with `phrase_disjoint`,
    train sequences whose phrase is also held out move to "unused", so held-out phrases are unseen in training."""
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    seed: int = 0
    phrase_disjoint: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SplitRule":
        return cls(**{k: data[k] for k in ("val_fraction", "test_fraction", "seed", "phrase_disjoint")})

    def apply(self, participants: pd.Series, phrases: pd.Series) -> pd.Series:
        """Each row's split, by this rule."""
        split = participants.map(assign_splits(participants, self.val_fraction, self.test_fraction, self.seed))
        return set_aside_seen_phrases(split, phrases) if self.phrase_disjoint else split


def assign_splits(participants, val_fraction: float = 0.1, test_fraction: float = 0.1,
                  seed: int = 0) -> dict[int, str]:
    """Signer -> split. Deterministic; a signer's sequences never straddle splits.

    With 3 or more signers, val and test get at least one signer each.
    """
    unique = sorted({int(p) for p in participants})
    order = np.random.default_rng(seed).permutation(len(unique))
    count = len(unique)
    n_test = max(1, round(count * test_fraction)) if count >= 3 and test_fraction > 0 else 0
    n_val = max(1, round(count * val_fraction)) if count >= 3 and val_fraction > 0 else 0
    split = {}
    for rank, position in enumerate(order):
        name = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
        split[unique[position]] = name
    return split


def set_aside_seen_phrases(split: pd.Series, phrase: pd.Series) -> pd.Series:
    """The splits with every train row whose phrase also occurs in val or test moved to "unused".

    The corpus repeats phrases across signers (~40% of test sequences share a phrase with a train
    signer), so a signer split alone still scores memorised phrases; this makes val and test phrases
    unseen in training. Rows are only ever moved out of train, so val and test stay as they were.
    """
    held_out = set(phrase[split.isin(HELD_OUT)])
    seen = (split == "train") & phrase.isin(held_out)
    return split.mask(seen, "unused")
