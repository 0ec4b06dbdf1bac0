"""The character n-gram language model: one file, read without pickle, checked before it is trusted.

Symbols: the 59 characters (their vocabulary index), END (59: the phrase ends) and START (60: only ever a
context). An n-gram (s1 .. sn) is the key s1 * 61^(n-1) + ... + sn, stored as a float64: exact below 2^53, so
orders up to 8 fit, and the browser reads the same keys with a Float64Array.

File layout, little-endian (version 1):

    8 bytes   magic b"FSCHARLM"
    uint32    version (1)
    uint32    length L of the JSON header that follows, padded with spaces to a multiple of 8
    L bytes   JSON: {"order", "symbols", "counts": [n-grams per order], "source", "licence", ...}
    per order n = 1..order, count c = counts[n - 1]:
      float64[c]  keys, increasing
      float32[c]  log P(sn | s1 .. sn-1), natural log, already smoothed (interpolated Kneser-Ney)
      float32[c]  log backoff weight of (s1 .. sn) as a context (0 at the highest order)
    uint32    CRC-32 of everything before it

A query backs off as an ARPA model does: log P(s | h) = log P(hs) if hs is stored, else backoff(h) +
log P(s | h without its first symbol). Every unigram is stored, so every query ends.
"""
from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fingerspell.vocab import NUM_CHARACTERS

MAGIC = b"FSCHARLM"
VERSION = 1
END = NUM_CHARACTERS  # 59
START = NUM_CHARACTERS + 1  # 60
SYMBOLS = NUM_CHARACTERS + 2  # 61: the base of the keys
MAX_ORDER = 8  # 61^8 < 2^53: the largest order whose keys a float64 holds exactly
BUNDLED_LM = Path(__file__).resolve().parents[1] / "assets" / "lm" / "chars.fslm"


class LMFileError(ValueError):
    """A language model file that cannot be used: named, with what is wrong (never a silent greedy read)."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class NgramTable:
    """One order's n-grams: keys (float64, increasing), log probabilities and log backoffs (float32)."""
    keys: np.ndarray
    log_probs: np.ndarray
    log_backoffs: np.ndarray

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Index of each key, -1 where it is not stored."""
        if len(self.keys) == 0:
            return np.full(len(keys), -1)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[at] == keys, at, -1)


def context_key(context) -> float:
    key = 0.0
    for symbol in context:
        key = key * SYMBOLS + symbol
    return key


class CharLM:
    """`log_probs(context)`: float64 (60,) log P(symbol | context) over the 59 characters and END."""

    def __init__(self, tables: list[NgramTable], header: dict, path: str | None = None):
        self.tables = tables  # tables[n - 1]: the n-grams
        self.order = len(tables)
        self.header = header
        self.path = path
        self._cache: dict[tuple, np.ndarray] = {}

    def log_probs(self, context: tuple[int, ...]) -> np.ndarray:
        """context: START followed by the characters so far (only the last order - 1 symbols count)."""
        context = tuple(context[-(self.order - 1):]) if self.order > 1 else ()
        cached = self._cache.get(context)
        if cached is None:
            cached = self._cache[context] = self._query(context)
        return cached

    def _query(self, context: tuple[int, ...]) -> np.ndarray:
        # highest order first; summed in the same order as web/decoder.js, so both give the same floats
        result = np.full(END + 1, np.nan)
        backoff = 0.0
        for n in range(len(context) + 1, 0, -1):
            history = context[len(context) - (n - 1):] if n > 1 else ()
            base = context_key(history) * SYMBOLS
            open_ = np.isnan(result)
            table = self.tables[n - 1]
            at = table.find(base + np.arange(END + 1, dtype=np.float64))
            hit = open_ & (at >= 0)
            result[hit] = backoff + table.log_probs[at[hit]].astype(np.float64)
            if not np.isnan(result).any():
                break
            if n > 1:
                found = self.tables[n - 2].find(np.array([context_key(history)]))[0]
                if found >= 0:
                    backoff = backoff + float(self.tables[n - 2].log_backoffs[found])
        return result


def write_lm(path: str | Path, tables: list[NgramTable], header: dict) -> int:
    """Write `tables` (orders 1..n) with `header` (source, licence...; order and counts are added) -> bytes."""
    header = {**header, "order": len(tables), "symbols": SYMBOLS, "counts": [len(t.keys) for t in tables]}
    text = json.dumps(header, sort_keys=True).encode("utf-8")
    text += b" " * (-len(text) % 8)
    parts = [MAGIC, struct.pack("<II", VERSION, len(text)), text]
    for table in tables:
        parts += [np.asarray(table.keys, "<f8").tobytes(), np.asarray(table.log_probs, "<f4").tobytes(),
                  np.asarray(table.log_backoffs, "<f4").tobytes()]
    body = b"".join(parts)
    data = body + struct.pack("<I", zlib.crc32(body))
    Path(path).write_bytes(data)
    return len(data)


def load_lm(path: str | Path | None = None) -> CharLM:
    """Read and check a language model file (none: the bundled one). Raises LMFileError naming the file for
    a missing, truncated, corrupted or other-version file."""
    path = Path(path) if path is not None else BUNDLED_LM
    if not path.is_file():
        raise LMFileError(path, "language model file not found")
    data = path.read_bytes()
    if len(data) < 16 or data[:8] != MAGIC:
        raise LMFileError(path, "not a fingerspell character language model (no FSCHARLM header)")
    version, header_length = struct.unpack_from("<II", data, 8)
    if version != VERSION:
        raise LMFileError(path, f"language model format version {version}; this fingerspell reads version "
                                f"{VERSION} (rebuild it with tools/make_lm.py)")
    header = _header(path, data, header_length)
    expected = 16 + header_length + sum(16 * c for c in header["counts"]) + 4
    if len(data) != expected:
        raise LMFileError(path, f"{len(data)} bytes where its header promises {expected}: truncated or padded")
    if struct.unpack_from("<I", data, len(data) - 4)[0] != zlib.crc32(data[:-4]):
        raise LMFileError(path, "checksum mismatch: the file is corrupted")
    return CharLM(_tables(data, 16 + header_length, header["counts"]), header, str(path))


def _header(path: Path, data: bytes, length: int) -> dict:
    try:
        header = json.loads(data[16:16 + length].decode("utf-8"))
        counts = [int(c) for c in header["counts"]]
        order = int(header["order"])
        symbols = int(header["symbols"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise LMFileError(path, "unreadable header: truncated or corrupted") from None
    if symbols != SYMBOLS or not 1 <= order <= MAX_ORDER or len(counts) != order:
        raise LMFileError(path, f"a model of {symbols} symbols and order {order}; expected {SYMBOLS} symbols "
                                f"and an order of 1 to {MAX_ORDER}")
    return {**header, "counts": counts}


def _tables(data: bytes, offset: int, counts: list[int]) -> list[NgramTable]:
    tables = []
    for count in counts:
        keys = np.frombuffer(data, "<f8", count, offset)
        log_probs = np.frombuffer(data, "<f4", count, offset + 8 * count)
        log_backoffs = np.frombuffer(data, "<f4", count, offset + 12 * count)
        tables.append(NgramTable(keys, log_probs, log_backoffs))
        offset += 16 * count
    return tables
