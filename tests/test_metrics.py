import pytest

from fingerspell.metrics import score


def test_competition_score_is_over_totals():
    result = score(["abc", "de"], ["abd", ""])  # distances 1 and 2 over 5 characters
    assert result["score"] == pytest.approx(0.4) and result["cer"] == pytest.approx(0.6)
    assert result["characters"] == 5 and result["distance"] == 3 and result["sequences"] == 2


def test_score_can_be_negative_and_empty_has_none():
    assert score(["a"], ["xyz"])["score"] == pytest.approx(-2.0)
    assert score([], [])["score"] is None
    with pytest.raises(ValueError):
        score(["a"], [])
