"""Real J and Z traces given to letters captured still (synth.traces), and the words spelled with them."""
import numpy as np

from conftest import shared
from fingerspell.evaluation.real_sets import real_traces
from fingerspell.layout import PART_OFFSET
from fingerspell.synth.handshapes import shape_bank
from fingerspell.synth.real_letters import read_signer, spell_word
from fingerspell.synth.traces import is_still, trace_of, traced, trace_stats, without_rise_and_fall

RIGHT = PART_OFFSET["right_hand"]


def _capture() -> np.ndarray:
    """A real Z handshape placed in the image: wrist at (0.5, 0.6), palm 0.1 long."""
    return 0.5 * np.array([1.0, 1.2, 0.0]) + 0.1 * shape_bank()["borisgraudt"]["z"][0]


def test_a_trace_moves_and_turns_a_still_capture():
    trace = np.column_stack([np.linspace(0, -1.0, 9), np.linspace(0, 0.5, 9), np.linspace(0, -40, 9)])
    moved = traced(_capture(), trace, mirrored=False)
    np.testing.assert_allclose(moved[0], _capture()[:, :], atol=1e-12)
    np.testing.assert_allclose(moved[-1, 0, :2] - moved[0, 0, :2], [-0.1, 0.05], atol=1e-3)
    again = trace_of(moved)  # the trace read back from the moved frames
    np.testing.assert_allclose(again, trace, atol=1e-6)
    mirror = traced(_capture(), trace, mirrored=True)
    assert mirror[-1, 0, 0] - mirror[0, 0, 0] > 0.09  # a left hand traces the mirror image
    assert not is_still(moved, "z") and is_still(np.repeat(_capture()[None], 9, 0), "z")


def test_the_rise_and_fall_are_cut_off():
    still = np.repeat(_capture()[None], 10, 0)
    rise = still[:3] + np.array([0.0, 0.3, 0.0]) * np.array([3, 2, 1])[:, None, None]  # from below
    clip = np.concatenate([rise, still, rise[::-1]])
    assert len(without_rise_and_fall(clip)) == 10


def test_real_traces_move_as_the_real_clips_do():
    traces = real_traces(shared(""))
    assert set(traces) == {"j", "z"}
    z = trace_stats(traced(_capture(), traces["z"], mirrored=False), "z")
    assert z["stroke"] == -1 and z["tip_width"] > 1.5


def test_a_still_j_of_a_still_source_is_traced_in_its_words():
    real = read_signer("siruyy", shared(""))
    traces = real_traces(shared(""))
    rng = np.random.default_rng(0)
    frames = spell_word(real, "j", rng, mirrored=False, traces=traces)[:, RIGHT:RIGHT + 21]
    assert not is_still(frames, "j")
    plain = spell_word(real, "j", np.random.default_rng(0), mirrored=False)[:, RIGHT:RIGHT + 21]
    assert is_still(plain, "j")  # what the words held before: an I
