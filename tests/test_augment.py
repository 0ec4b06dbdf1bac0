import numpy as np

from fingerspell import augment as aug
from fingerspell.features import FeatureLayout, input_landmark_names

LAYOUT = FeatureLayout.from_names(input_landmark_names())


def _frames(count=50):
    data = np.random.default_rng(0).uniform(0, 1, (count, 54, 3)).astype(np.float32)
    data[:10, list(LAYOUT.left_hand)] = np.nan
    return data


def test_time_resample_changes_length_by_the_factor():
    assert len(aug.time_resample(_frames(100), 0.5)) == 50
    assert len(aug.time_resample(_frames(100), 1.5)) == 150


def test_flip_swaps_hands_and_is_its_own_inverse():
    frames = _frames()
    flipped = aug.flip(frames, LAYOUT)
    np.testing.assert_allclose(flipped[:, list(LAYOUT.right_hand), 0], 1 - frames[:, list(LAYOUT.left_hand), 0])
    np.testing.assert_allclose(aug.flip(flipped, LAYOUT), frames, atol=1e-6)


def test_affine_moves_points_and_keeps_missing_missing():
    frames = _frames()
    moved = aug.affine(frames, np.random.default_rng(1), aug.AugmentConfig())
    assert np.array_equal(np.isnan(moved), np.isnan(frames))
    assert not np.allclose(moved[:, :, :2], frames[:, :, :2], equal_nan=True)
    np.testing.assert_array_equal(moved[..., 2], frames[..., 2])


def test_masks_hide_data():
    frames = _frames()
    dropped = aug.finger_dropout(frames, LAYOUT, np.random.default_rng(0))
    assert np.isnan(dropped).sum() > np.isnan(frames).sum()
    masked = aug.time_mask(frames, np.random.default_rng(3), 0.5)
    assert np.isnan(masked).all(axis=(1, 2)).any()
    assert np.isnan(aug.landmark_mask(frames, np.random.default_rng(0), 0.2)).sum() > np.isnan(frames).sum()


def test_augment_is_seeded_and_switchable():
    frames, config = _frames(), aug.AugmentConfig()
    a = aug.augment(frames, LAYOUT, np.random.default_rng(5), config)
    b = aug.augment(frames, LAYOUT, np.random.default_rng(5), config)
    np.testing.assert_array_equal(a, b)
    off = aug.augment(frames, LAYOUT, np.random.default_rng(5), aug.AugmentConfig(enabled=False))
    assert off is frames


def test_cutmix_joins_a_prefix_and_a_suffix():
    a, b = _frames(90), _frames(60) + 10
    frames, phrase = aug.cutmix((a, "abcdefghi"), (b, "uvwxyz"), np.random.default_rng(2))
    cut = next(i for i in range(1, 9) if phrase.startswith("abcdefghi"[:i]) and "uvwxyz".endswith(phrase[i:]))
    assert 2 <= len(phrase) and "abcdefghi".startswith(phrase[:cut])
    assert np.nanmax(frames[:10]) < 2 and np.nanmin(frames[-5:]) > 9
