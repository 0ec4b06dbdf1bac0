"""J and Z move as real signers trace them (synth.handshapes.motion_offset; bench/motion.py compares them
with the real clips)."""
import numpy as np
import pytest

from fingerspell.synth.handshapes import motion_offset
from fingerspell.synth.render import hand_track, make_signer
from fingerspell.synth.traces import trace_stats


def _traced(letter: str, left: bool, count: int = 12) -> list[dict]:
    rng = np.random.default_rng(3)
    stats = []
    while len(stats) < count:
        signer = make_signer(rng, len(stats))
        if signer.left_dominant != left:
            continue
        hand, _, (lead_in, lead_out), _ = hand_track(letter, signer, rng)
        stats.append(trace_stats(hand[lead_in:len(hand) - lead_out], letter))
    return stats


def test_z_is_drawn_for_the_signer_to_read_and_wider_than_the_hand():
    right, left = _traced("z", left=False), _traced("z", left=True)
    assert all(s["stroke"] == -1 for s in right)  # strokes to the signer's right: image left, unmirrored
    assert all(s["stroke"] == 1 for s in left)  # a left hand draws the mirror image
    width = np.median([s["tip_width"] for s in right])
    assert 1.3 <= width <= 3.3  # real: borisgraudt's tip travels 1.3-2.0 per 12 frames, spoken-to-signed's 3.2


def test_j_hooks_and_ends_turned():
    right = _traced("j", left=False)
    assert all(s["stroke"] == -1 for s in right)
    assert np.median([s["turn_at_end"] for s in right]) < -20  # real: -58 degrees; turned, not back at rest
    assert np.median([s["tip_height"] for s in right]) > 1.5  # real: 3.5 palm lengths


@pytest.mark.parametrize("name", ["j", "z", "none", "poke"])
def test_every_motion_starts_and_ends_at_rest(name):
    offset, turn = motion_offset(name, np.array([0.0, 1.0]), np.array([1.3, 1.3]))
    np.testing.assert_allclose(offset, 0.0, atol=1e-9)
    np.testing.assert_allclose(turn, 0.0, atol=1e-9)


def test_a_larger_trace_is_larger():
    phases = np.linspace(0, 1, 50)
    small, _ = motion_offset("z", phases, np.full(50, 0.7))
    large, _ = motion_offset("z", phases, np.full(50, 1.3))
    assert np.ptp(large[:, 0]) > 1.5 * np.ptp(small[:, 0])


def _doubled(phrase: str, seed: int):
    from fingerspell.synth.render import _doubled_letters
    durations = np.full(len(phrase), 9.0)
    starts = 10.0 + 9.0 * np.arange(len(phrase))
    t = np.arange(20 + 9 * len(phrase)) + 0.5
    moved, nod = _doubled_letters(phrase, starts, durations, t, np.random.default_rng(seed))
    return t, starts + durations / 2, moved, nod


def _way(moved: np.ndarray) -> str:
    if moved[-1, 0] <= -0.3 and np.abs(moved[:, 1]).max() < 1e-9:
        return "slide"
    if np.abs(moved[-1]).max() < 1e-9 and moved[:, 1].max() >= 0.15 and np.abs(moved[:, 0]).max() < 1e-9:
        return "bounce"
    return "neither"


def test_a_doubled_letter_slides_or_bounces_between_its_two_holds():
    for seed in range(40):
        t, centres, moved, nod = _doubled("ll", seed)
        assert _way(moved) in ("slide", "bounce"), seed
        assert np.abs(moved[t < centres[0]]).max() == 0  # the first is held where it is
        held_second = t > centres[1] - 0.25 * 9  # the second is held where the move took it: no drift
        assert np.abs(moved[held_second] - moved[held_second][0]).max() < 1e-9
        if _way(moved) == "slide":
            assert np.abs(nod).max() == 0


def test_only_doubled_letters_move_and_a_run_repeats_one_way():
    for seed in range(20):
        for phrase in ("lo", "ol", "l l", "j", "zz"):  # different letters, a space between, own motion
            _, _, moved, nod = _doubled(phrase, seed)
            assert np.abs(moved).max() == 0 and np.abs(nod).max() == 0, phrase
        t, centres, moved, _ = _doubled("www", seed)
        first, second = moved[t < centres[1]], moved - moved[t < centres[1]][-1]
        second = second[t >= centres[1]]
        assert _way(first) == _way(second) != "neither", seed


def test_closed_handshapes_bounce_more_open_ones_slide_more():
    bounced = {c: np.mean([_way(_doubled(c + c, seed)[2]) == "bounce" for seed in range(200)]) for c in "sl"}
    assert bounced["s"] > 0.6 and bounced["l"] < 0.4, bounced
