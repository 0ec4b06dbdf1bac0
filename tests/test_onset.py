"""How a synthetic phrase starts, against real clips (bench/onset.py's measures): the hand is first seen
short of where it signs, still shaping the first letter, as a real signer's hand is."""
import importlib
import sys
from pathlib import Path

import pytest

from conftest import SHARED_DATA, shared

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def onset():
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("onset")
    finally:
        sys.path.remove(str(BENCH))


def test_the_synthetic_hand_rises_into_the_first_letter_as_real_hands_do(onset):
    measured = onset.summary(onset.synthetic(120, seed=5))
    assert measured["clips"] >= 50
    # real clips (spoken-to-signed, 24 letters): first seen 1.2 to 2.8 hand lengths below, formed after 0.08 to 0.16 s
    assert 1.0 <= measured["rise_palms"]["median"] <= 3.0
    assert measured["rise_palms"]["p75"] >= 1.5
    assert 0.05 <= measured["forming_s"]["median"] <= 0.3
    assert 0.05 <= measured["settle_s"]["median"] <= 0.3


def test_the_measures_on_the_real_clips(onset):
    shared("real_letters/spoken_to_signed_ase/index.csv")
    measured = onset.summary(onset.real_clips(SHARED_DATA))
    assert measured["clips"] == 24  # 26 letters, J and Z left out
    assert 1.0 <= measured["rise_palms"]["median"] <= 3.0
    assert 0.05 <= measured["forming_s"]["median"] <= 0.3


def test_a_hand_seen_only_once_in_place_has_no_onset(onset):
    import numpy as np
    rng = np.random.default_rng(0)
    hand = np.tile(rng.normal(0.0, 1.0, (1, 21, 3)), (20, 1, 1))
    assert onset.onset(hand, np.arange(5, 15), 30.0) == {"rise_palms": 0.0, "forming_s": 0.0, "settle_s": 0.0}
    hand[:5] = np.nan  # first seen inside the held span: nothing to measure
    assert onset.onset(hand, np.arange(5, 15), 30.0) is None
