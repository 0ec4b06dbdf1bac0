"""Estimating the character language model from phrases: counts -> interpolated Kneser-Ney -> lm.py's file.

Kneser-Ney because a character model is asked most about contexts it saw rarely (a name's next letter), where
plain counts overrate whatever came once; interpolated, with one discount per order D = n1 / (n1 + 2 n2)
(Chen and Goodman 1998). The interpolated model is stored in backoff form (an n-gram's smoothed probability
and each context's backoff weight), so a query is a few table look-ups. n-grams of order 3 and up seen fewer
than `min_count` times are pruned and their contexts' backoff weights renormalised, as KenLM's --prune does:
that is what keeps the file a few MB.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from fingerspell.decoders.lm import END, START, SYMBOLS, MAX_ORDER, NgramTable
from fingerspell.vocab import encode

PREDICTED = END + 1  # 60 symbols a model predicts: the 59 characters and END


def phrase_symbols(phrases: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """-> (symbols, first): every phrase as START, its characters, END, concatenated; `first[i]` the index of
    the START of the phrase that symbol i belongs to. Raises ValueError for a character outside the 59."""
    pieces, firsts, at = [], [], 0
    for phrase in phrases:
        ids = [START, *encode(phrase), END]
        pieces.append(np.asarray(ids, np.int64))
        firsts.append(np.full(len(ids), at, np.int64))
        at += len(ids)
    if not pieces:
        raise ValueError("no phrases to build a language model from")
    return np.concatenate(pieces), np.concatenate(firsts)


def ngram_counts(symbols: np.ndarray, first: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram ending on a predicted symbol (not START) and starting inside its phrase -> (keys, counts)."""
    ends = np.flatnonzero((symbols != START) & (np.arange(len(symbols)) - (n - 1) >= first))
    keys = np.zeros(len(ends), np.int64)
    for back in range(n - 1, -1, -1):
        keys = keys * SYMBOLS + symbols[ends - back]
    return np.unique(keys, return_counts=True)


def build_tables(phrases: Iterable[str], order: int = 6, min_count: int = 2) -> list[NgramTable]:
    """Interpolated Kneser-Ney n-gram tables of orders 1..`order` over `phrases`, in backoff form."""
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order {order}: expected 1 to {MAX_ORDER}")
    symbols, first = phrase_symbols(phrases)
    raw = [ngram_counts(symbols, first, n) for n in range(1, order + 1)]
    kept, lower = [], None
    for n in range(1, order + 1):
        keys, kn = _kneser_ney_counts(raw, n)
        if n == 1:  # every predicted symbol gets a unigram, seen or not: every query ends there
            keys, kn = _with_every_symbol(keys, kn)
        probs = _interpolated(keys, kn, lower, n)
        keep = np.ones(len(keys), bool) if n < 3 else _lookup(*raw[n - 1], keys) >= min_count
        lower = (keys[keep], probs[keep])
        kept.append(lower)
    # START is never predicted, but it is a context: a unigram entry (probability 0) holds its backoff
    kept[0] = (np.append(kept[0][0], START), np.append(kept[0][1], 0.0))
    tables = []
    for n, (keys, probs) in enumerate(kept, start=1):
        backoffs = (_renormalised_backoffs(keys, probs, *kept[n], n) if n < order
                    else np.ones(len(keys)))
        with np.errstate(divide="ignore"):
            tables.append(NgramTable(keys.astype(np.float64), np.log(probs).astype(np.float32),
                                     np.log(backoffs).astype(np.float32)))
    return tables


def _kneser_ney_counts(raw, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The highest order keeps raw counts; a lower n-gram counts the distinct symbols seen before it, except
    one that starts with START, which nothing precedes (raw counts)."""
    keys, counts = raw[n - 1]
    if n == len(raw):
        return keys, counts.astype(np.float64)
    suffixes, left_types = np.unique(raw[n][0] % SYMBOLS ** n, return_counts=True)
    continued = _lookup(suffixes, left_types, keys)
    starts = keys // SYMBOLS ** (n - 1) == START
    return keys, np.where(starts | (continued == 0), counts, continued).astype(np.float64)


def _with_every_symbol(keys, counts):
    every = np.arange(PREDICTED, dtype=np.int64)
    return every, _lookup(keys, counts, every, missing=0.0)


def _interpolated(keys, kn, lower, n: int) -> np.ndarray:
    """P(w | h) for each n-gram hw: its discounted count, plus gamma(h) times the lower order's P(w | h')."""
    discount = _discount(kn)
    _, group = np.unique(keys // SYMBOLS, return_inverse=True)
    totals = np.bincount(group, kn)
    gamma = discount * np.bincount(group, kn > 0) / totals
    if lower is None:  # unigrams interpolate with the uniform distribution over the 60 predicted symbols
        below = np.full(len(keys), 1.0 / PREDICTED)
    else:  # (an hw pruned below is pruned here too, and its NaN never kept)
        below = _lookup(lower[0], lower[1], keys % SYMBOLS ** (n - 1), missing=np.nan)
    return np.maximum(kn - discount, 0) / totals[group] + gamma[group] * below


def _renormalised_backoffs(contexts, context_probs, keys, probs, n: int) -> np.ndarray:
    """backoff(h) for each context h of order n = (1 - sum of P(w | h) over the hw kept) / (1 - sum of
    P(w | h') over the same w), so that each context's distribution still sums to 1 after pruning."""
    at = np.searchsorted(contexts, keys // SYMBOLS)
    kept_mass = np.bincount(at, probs, minlength=len(contexts))
    lower_probs = _lookup(contexts, context_probs, keys % SYMBOLS ** n, missing=0.0)
    lower_mass = np.bincount(at, lower_probs, minlength=len(contexts))
    return np.maximum(1 - kept_mass, 1e-12) / np.maximum(1 - lower_mass, 1e-12)


def _discount(counts) -> float:
    once, twice = np.sum(counts == 1), np.sum(counts == 2)
    return float(once / (once + 2 * twice)) if once + twice else 0.5


def _lookup(keys, values, wanted, missing=0):
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], missing)
