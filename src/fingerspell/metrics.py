"""The competition metric: (N - D) / N over total characters N and total Levenshtein distance D."""
from __future__ import annotations

from rapidfuzz.distance import Levenshtein


def score(targets: list[str], predictions: list[str]) -> dict:
    """{"score": (N - D) / N, "cer": D / N, "sequences", "characters": N, "distance": D}.

    Totals, not a mean of per-sequence ratios: a long phrase weighs more, as in the competition.
    An empty target set has no score (None).
    """
    if len(targets) != len(predictions):
        raise ValueError(f"{len(targets)} targets but {len(predictions)} predictions")
    characters = sum(len(t) for t in targets)
    distance = sum(Levenshtein.distance(t, p) for t, p in zip(targets, predictions))
    if characters == 0:
        return {"score": None, "cer": None, "sequences": len(targets), "characters": 0, "distance": distance}
    return {"score": (characters - distance) / characters, "cer": distance / characters,
            "sequences": len(targets), "characters": characters, "distance": distance}
