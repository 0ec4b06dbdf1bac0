"""Real signers' letters: readers, bad input, and words spelled from them (needs ../shared/data)."""
import numpy as np
import pytest

from conftest import shared
from fingerspell.synth.handshapes import canonical_hands, is_mirrored
from fingerspell.errors import DataError
from fingerspell.layout import PART_OFFSET
from fingerspell.synth.real_letters import (TRANSITION_FRAMES, read_npz_letters, read_pose_hand, read_pose_letters,
                                      read_signer, spell_word)


def test_pose_letters_of_a_real_signer_cover_a_to_z_with_moving_j():
    real = read_pose_letters(shared("real_letters/spoken_to_signed_ase"))
    assert set(real.letters) == set("abcdefghijklmnopqrstuvwxyz")
    assert np.isfinite(real.hands).all() and real.hands.shape[1:] == (21, 3)
    travel = {c: np.ptp(np.concatenate(real.of(c))[:, 0, :2], axis=0).max() for c in "ijb"}
    assert travel["j"] > travel["i"]  # J is traced; the clip holds the motion


def test_a_truncated_pose_file_names_the_file(tmp_path):
    source = next(shared("real_letters/spoken_to_signed_ase").glob("*.pose"))
    cut = tmp_path / "cut.pose"
    cut.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(DataError, match="cut.pose"):
        read_pose_hand(cut)


def test_a_pose_file_without_hands_names_the_file(tmp_path):
    from pose_format import Pose
    source = next(shared("real_letters/spoken_to_signed_ase").glob("*.pose"))
    body_only = Pose.read(source.read_bytes()).get_components(["POSE_LANDMARKS"])
    path = tmp_path / "body.pose"
    with path.open("wb") as handle:
        body_only.write(handle)
    with pytest.raises(DataError, match=r"body\.pose.*no hand components"):
        read_pose_hand(path)


def test_a_letters_file_with_the_wrong_shape_names_the_file(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, landmarks=np.zeros((5, 63), np.float32), letter=np.array(list("abcde")))
    with pytest.raises(DataError, match=r"flat\.npz.*shape"):
        read_npz_letters(path, "x")
    np.savez(path, something=np.zeros(3))
    with pytest.raises(DataError, match=r"flat\.npz"):
        read_npz_letters(path, "x")


def test_sources_are_told_apart_from_their_mirror_images():
    real = read_signer("siruyy", shared(""))
    mirrored = real.hands.copy()
    mirrored[..., 0] = 1.0 - mirrored[..., 0]
    assert is_mirrored(real.hands, real.letters) != is_mirrored(mirrored, real.letters)
    canonical = canonical_hands(real.hands[:10], mirror=False)
    np.testing.assert_allclose(np.linalg.norm(canonical[:, 9], axis=-1), 1.0, rtol=1e-6)
    assert np.abs(canonical[:, 0]).max() == 0


def test_a_word_is_spelled_from_real_frames():
    real = read_signer("borisgraudt", shared(""))
    frames = spell_word(real, "jazz", np.random.default_rng(0), mirrored=True)
    left = frames[:, PART_OFFSET["left_hand"]:PART_OFFSET["left_hand"] + 21]
    assert np.isfinite(left).all() and np.isnan(np.delete(frames, range(PART_OFFSET["left_hand"],
                                                                          PART_OFFSET["left_hand"] + 21), 1)).all()
    assert 4 * 6 + 3 * TRANSITION_FRAMES <= len(frames) <= 4 * 12 + 3 * TRANSITION_FRAMES
    again = spell_word(real, "jazz", np.random.default_rng(0), mirrored=True)
    np.testing.assert_array_equal(frames, again)
