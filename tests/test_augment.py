import dataclasses
from functools import lru_cache

import numpy as np
import pytest

from fingerspell.training import augment as aug
from fingerspell.features import FeatureLayout, compute_features, input_landmark_names
from fingerspell.layout import PALM_POINTS
from fingerspell.store.store import store_landmarks
from fingerspell.synth.render import make_signer, render_sequence

LAYOUT = FeatureLayout.from_names(input_landmark_names())
LIPS_LAYOUT = FeatureLayout.from_names(input_landmark_names(lips=True), lips=True)
PROBABILITIES = [f.name for f in dataclasses.fields(aug.AugmentConfig)
                 if f.name.endswith("_probability") and f.name != "cutmix_probability"]
ALL_OFF = aug.AugmentConfig(**{name: 0.0 for name in PROBABILITIES})


def _frames(count=50):
    data = np.random.default_rng(0).uniform(0, 1, (count, 54, 3)).astype(np.float32)
    data[:10, list(LAYOUT.left_hand)] = np.nan
    return data


@lru_cache(maxsize=None)
def _signed(phrase="quick brown fox", seed=3, lips=False):
    """A realistic synthetic sequence in the store's landmarks (seed 3: a left-dominant signer, so the
    features' mirroring is on the path), with undetected frames and a noisy z."""
    rng = np.random.default_rng(seed)
    signer = make_signer(rng, 1)
    return render_sequence(phrase, signer, rng)[:, store_landmarks(lips)]


def _dominant(frames):
    """The hand (its indices) detected in more frames."""
    seen = [np.isfinite(frames[:, hand[0], 0]).sum() for hand in (LAYOUT.left_hand, LAYOUT.right_hand)]
    return LAYOUT.left_hand if seen[0] > seen[1] else LAYOUT.right_hand


def _features(frames, layout=LAYOUT):
    return compute_features(frames, layout, max_frames=256).numpy()


def _changes_features(before, after, layout=LAYOUT):
    a, b = _features(before, layout), _features(after, layout)
    return a.shape != b.shape or np.abs(a - b).max() > 0.05


def test_time_resample_changes_length_by_the_factor():
    assert len(_frames(100)[aug.resample_picks(100, 0.5)]) == 50
    assert len(_frames(100)[aug.resample_picks(100, 1.5)]) == 150


@pytest.mark.parametrize("count", [1, 2, 5, 100, 300])
def test_time_warp_is_monotone_keeps_length_and_spans_the_sequence(count):
    picks = aug.warp_picks(count, np.random.default_rng(count), max_speed=1.5, knots=4)
    assert len(picks) == count and picks[0] == 0 and picks[-1] == count - 1
    assert (np.diff(picks) >= 0).all()
    assert np.diff(picks, prepend=0).max() <= 3  # local speed at most 1.5 / (1 / 1.5) = 2.25 times the slowest


def test_time_warp_is_non_uniform_and_takes_whole_frames():
    picks = aug.warp_picks(300, np.random.default_rng(0), max_speed=1.5, knots=4)
    steps = np.diff(picks)
    assert (steps == 0).any() and (steps >= 2).any()  # some frames shown twice, some skipped
    speed = np.convolve(steps, np.ones(30) / 30, "valid")
    assert speed.max() > 1.2 * speed.min()  # whole stretches faster or slower, not frame-level jitter
    frames, config = _signed(), dataclasses.replace(ALL_OFF, warp_probability=1.0)  # warping alone
    warped = aug.augment(frames, LAYOUT, np.random.default_rng(0), config, resample_factor=1.0)
    rng = np.random.default_rng(0)
    rng.random()  # (augment's draw of whether to warp)
    picks = aug.warp_picks(len(frames), rng, config.warp_max_speed, config.warp_knots)
    np.testing.assert_array_equal(warped, frames[picks])  # nearest frames: missing stays missing


def test_augmentation_off_leaves_the_features_unchanged_and_undone_transforms_do_not_count():
    frames = _signed()
    assert not _changes_features(frames, aug.augment(frames, LAYOUT, np.random.default_rng(0), ALL_OFF))
    moved = frames.copy()
    moved[..., :2] = 0.7 * moved[..., :2] + 0.1  # a shift and a uniform scale: the features remove them
    assert not _changes_features(frames, moved)


@pytest.mark.parametrize("name", PROBABILITIES)
def test_each_augmentation_alone_changes_the_features(name):
    frames = _signed()
    config = dataclasses.replace(ALL_OFF, **{name: 1.0})
    out = aug.augment(frames, LAYOUT, np.random.default_rng(1), config)
    assert out.dtype == np.float32 and out.shape[1:] == frames.shape[1:]
    assert _changes_features(frames, out)


def test_cutmix_changes_the_features():
    first, second = _signed("quick brown fox"), _signed("jumps over", seed=3)
    mixed, phrase = aug.cutmix((first, "quick brown fox"), (second, "jumps over"), np.random.default_rng(0))
    assert phrase != "quick brown fox" and _changes_features(first, mixed)


@pytest.mark.parametrize("transform", [aug.camera, aug.hand_rotation, aug.handshape])
def test_geometric_transforms_keep_missing_missing_and_found_found(transform):
    frames = aug.landmark_mask(_signed(), np.random.default_rng(0), 0.1)  # wrists and knuckles missing too
    config = aug.AugmentConfig()
    out = transform(frames, np.random.default_rng(2), config) if transform is aug.camera else \
        transform(frames, LAYOUT, np.random.default_rng(2), config)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(frames))
    assert not np.allclose(out, frames, equal_nan=True)


def test_hand_rotation_turns_each_hand_rigidly_about_its_wrist_and_the_arm_follows():
    frames = _signed()
    out = aug.hand_rotation(frames, LAYOUT, np.random.default_rng(0), aug.AugmentConfig())
    for hand, arm in ((LAYOUT.left_hand, LAYOUT.left_arm), (LAYOUT.right_hand, LAYOUT.right_arm)):
        before, after = frames[:, list(hand)], out[:, list(hand)]
        seen = np.isfinite(before[:, 0, 0])
        np.testing.assert_allclose(after[:, 0], before[:, 0])
        np.testing.assert_allclose(np.linalg.norm(after - after[:, :1], axis=-1)[seen],
                                   np.linalg.norm(before - before[:, :1], axis=-1)[seen], atol=1e-5)
        assert not np.allclose(after[seen, 1:, :2], before[seen, 1:, :2], atol=1e-3)
        np.testing.assert_array_equal(out[:, list(arm[:3])], frames[:, list(arm[:3])])  # shoulder, elbow, wrist
        assert not np.allclose(out[:, list(arm[3:])], frames[:, list(arm[3:])], atol=1e-4)
        flat = lambda x: np.linalg.norm(x[:, list(arm[3:]), :2] - x[:, arm[2:3], :2], axis=-1)  # noqa: E731
        known = np.isfinite(flat(frames))
        assert (flat(out)[known] <= flat(frames)[known] + 1e-6).all()  # turned out of the image: foreshortened


def test_handshape_keeps_the_palm_and_scales_and_bends_the_fingers():
    frames = _signed()
    hand = frames[:, list(_dominant(frames))]
    hand = hand[np.isfinite(hand[:, 0, 0])].astype(np.float64)
    bones = lambda x: np.linalg.norm(np.diff(x[:, list(aug.FINGERS[1])], axis=1), axis=-1)  # noqa: E731
    longer = aug.reshape_hand(hand, np.full((5, 3), 1.2), np.zeros((5, 3)))
    np.testing.assert_allclose(bones(longer), 1.2 * bones(hand), rtol=1e-6)
    bent = aug.reshape_hand(hand, np.ones((5, 3)), np.full((5, 3), np.radians(20)))
    np.testing.assert_allclose(bones(bent), bones(hand), rtol=1e-6)  # a bend keeps the lengths
    for out in (longer, bent):
        np.testing.assert_array_equal(out[:, list(PALM_POINTS)], hand[:, list(PALM_POINTS)])
        assert np.abs(out[:, [4, 8, 12, 16, 20]] - hand[:, [4, 8, 12, 16, 20]]).max() > 0.005


def test_handshape_bends_match_turning_each_joint_in_turn():
    """reshape_hand turns each bone once by the summed bends before it; the same as bending joint by joint,
    base first, each turn carrying every point beyond that joint about it (Rodrigues' formula)."""
    rng = np.random.default_rng(3)
    hand = _signed()[:, list(_dominant(_signed()))].astype(np.float64)
    scales, bends = rng.uniform(0.85, 1.15, (5, 3)), np.radians(rng.uniform(-25, 25, (5, 3)))
    expected = hand.copy()
    axis = hand[:, aug.FLEX_AXIS[0]] - hand[:, aug.FLEX_AXIS[1]]
    axis = (axis / np.linalg.norm(axis, axis=-1, keepdims=True))[:, None]
    for finger, scale, bend in zip(aug.FINGERS, scales, bends):
        bones = np.diff(hand[:, list(finger)], axis=1) * scale[:, None]
        expected[:, list(finger[1:])] = hand[:, finger[:1]] + np.cumsum(bones, axis=1)
        for joint, angle in enumerate(bend):
            pivot, distal = expected[:, finger[joint]][:, None], list(finger[joint + 1:])
            v = expected[:, distal] - pivot
            expected[:, distal] = pivot + v * np.cos(angle) + np.cross(axis, v) * np.sin(angle) \
                + np.sum(v * axis, axis=-1, keepdims=True) * axis * (1 - np.cos(angle))
    out = aug.reshape_hand(hand, scales, bends)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert np.array_equal(np.isnan(out), np.isnan(expected)) and np.isnan(hand).any()


def test_camera_scales_x_and_y_apart_within_the_aspect_range():
    frames = _signed()
    config = aug.AugmentConfig(rotate_degrees=0.0, shear=0.0, aspect_range=(0.7, 1.4))
    ratios = []
    for seed in range(8):
        out = aug.camera(frames, np.random.default_rng(seed), config)
        sx = np.nanstd(out[..., 0]) / np.nanstd(frames[..., 0])
        sy = np.nanstd(out[..., 1]) / np.nanstd(frames[..., 1])
        assert 0.7 - 1e-4 <= sx / sy <= 1.4 + 1e-4 and abs(sx * sy - 1) < 1e-4  # the area kept
        np.testing.assert_allclose(out[..., 2], frames[..., 2] * sx, rtol=1e-5)  # z has the scale of x
        ratios.append(sx / sy)
    assert min(ratios) < 0.9 and max(ratios) > 1.1  # both ways: wider and narrower images


def test_pose_drop_hides_arms_and_lips_in_every_frame():
    frames = _signed(lips=True)
    out = aug.pose_drop(frames, LIPS_LAYOUT)
    body = list(LIPS_LAYOUT.left_arm + LIPS_LAYOUT.right_arm + LIPS_LAYOUT.lips)
    assert np.isnan(out[:, body]).all()
    hands = list(LIPS_LAYOUT.left_hand + LIPS_LAYOUT.right_hand)
    np.testing.assert_array_equal(out[:, hands], frames[:, hands])
    assert _changes_features(frames, out, LIPS_LAYOUT)


def test_masks_hide_data():
    frames = _frames()
    dropped = aug.finger_dropout(frames, LAYOUT, np.random.default_rng(0))
    assert np.isnan(dropped).sum() > np.isnan(frames).sum()
    masked = aug.time_mask(frames, np.random.default_rng(3), 0.5)
    assert np.isnan(masked).all(axis=(1, 2)).any()
    assert np.isnan(aug.landmark_mask(frames, np.random.default_rng(0), 0.2)).sum() > np.isnan(frames).sum()


def test_augment_is_seeded_keeps_missing_missing_and_is_switchable():
    frames, config = _signed(), aug.AugmentConfig()
    a = aug.augment(frames, LAYOUT, np.random.default_rng(5), config)
    b = aug.augment(frames, LAYOUT, np.random.default_rng(5), config)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    c = aug.augment(frames, LAYOUT, np.random.default_rng(6), config)
    assert a.shape != c.shape or not np.allclose(a, c, equal_nan=True)
    same_time = dataclasses.replace(config, resample_probability=0.0, warp_probability=0.0)
    for seed in range(5):
        out = aug.augment(frames, LAYOUT, np.random.default_rng(seed), same_time)
        assert out.shape == frames.shape and np.isnan(out)[np.isnan(frames)].all()
    off = aug.augment(frames, LAYOUT, np.random.default_rng(5), aug.AugmentConfig(enabled=False))
    assert off is frames and np.array_equal(off, _signed(), equal_nan=True)


def test_cutmix_joins_a_prefix_and_a_suffix():
    a, b = _frames(90), _frames(60) + 10
    frames, phrase = aug.cutmix((a, "abcdefghi"), (b, "uvwxyz"), np.random.default_rng(2))
    cut = next(i for i in range(1, 9) if phrase.startswith("abcdefghi"[:i]) and "uvwxyz".endswith(phrase[i:]))
    assert 2 <= len(phrase) and "abcdefghi".startswith(phrase[:cut])
    assert np.nanmax(frames[:10]) < 2 and np.nanmin(frames[-5:]) > 9


# --- the compiled kernels against the array expressions they replaced (float64, so only rounding differs) ---

def _keep_missing(before, after):
    after = np.where(np.isfinite(after), after, before)
    return np.where(np.isnan(before), np.nan, after)


def _pivot(points):
    seen = np.isfinite(points[..., :1])
    mean = np.where(seen, points, 0.0).sum(axis=1, keepdims=True) / np.maximum(seen.sum(axis=1, keepdims=True), 1)
    return np.where(np.isfinite(points[:, :1]), points[:, :1], mean)


def _awkward(seed=0):
    """A signed sequence with lost points, lost wrists and knuckles, and a point whose z alone is missing."""
    frames = aug.landmark_mask(_signed(), np.random.default_rng(seed), 0.1).astype(np.float64)
    frames[5, LAYOUT.right_hand[0]] = np.nan
    frames[6, LAYOUT.left_hand[0]] = np.nan
    frames[7, LAYOUT.right_hand[5]] = np.nan
    seen = np.flatnonzero(np.isfinite(frames[:, LAYOUT.right_hand[3], 0]))
    frames[seen[0], LAYOUT.right_hand[3], 2] = np.nan  # (z alone)
    frames[9, LAYOUT.right_arm[2]] = np.nan
    return frames


def test_compiled_camera_equals_the_array_expression():
    frames, config = _awkward(), aug.AugmentConfig()
    out = aug.camera(frames, np.random.default_rng(4), config)
    rng = np.random.default_rng(4)  # the same draws, in the same order
    xy = frames[..., :2].reshape(-1, 2)
    center = xy[np.isfinite(xy[:, 0])].mean(axis=0)
    ratio = np.exp(rng.uniform(*np.log(config.aspect_range)))
    angle = np.radians(rng.uniform(-config.rotate_degrees, config.rotate_degrees))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, rng.uniform(-config.shear, config.shear)], [rng.uniform(-config.shear, config.shear), 1.0]])
    matrix = np.diag([np.sqrt(ratio), 1.0 / np.sqrt(ratio)]) @ turn @ shear
    expected = frames.copy()
    expected[..., :2] = (frames[..., :2] - center) @ matrix.T + center
    expected[..., 2] *= np.sqrt(ratio)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    z_lost = np.isnan(frames[..., 2]) & np.isfinite(frames[..., 0])
    assert z_lost.sum() == 1 and np.isfinite(out[z_lost][:, :2]).all()  # a missing z does not hide x and y


def test_compiled_hand_rotation_equals_the_array_expression():
    from fingerspell.synth.handshapes import rotation
    frames, config = _awkward(), aug.AugmentConfig()
    out = aug.hand_rotation(frames, LAYOUT, np.random.default_rng(5), config)
    rng, expected = np.random.default_rng(5), frames.copy()
    for hand, arm in ((LAYOUT.left_hand, LAYOUT.left_arm), (LAYOUT.right_hand, LAYOUT.right_arm)):
        yaw, pitch, roll = rng.uniform(-np.asarray(config.hand_rotation_degrees), config.hand_rotation_degrees)
        matrix = rotation(yaw=yaw, roll=roll, pitch=pitch)
        points = frames[:, list(hand)]
        wrist = _pivot(points)
        expected[:, list(hand)] = wrist + (points - wrist) @ matrix.T
        tips, arm_wrist = frames[:, list(arm[3:])], frames[:, arm[2:3]]
        flat = (tips - arm_wrist) * [1.0, 1.0, 0.0]
        expected[:, list(arm[3:])] = tips + flat @ matrix.T - flat
    np.testing.assert_allclose(out, _keep_missing(frames, expected), atol=1e-12)
    assert not np.allclose(out, frames, equal_nan=True)


def test_compiled_reshape_hand_equals_the_array_expression():
    frames = _awkward()
    hand = frames[:, list(LAYOUT.right_hand)]
    rng = np.random.default_rng(6)
    scales, bends = rng.uniform(0.8, 1.2, (5, 3)), np.radians(rng.uniform(-15, 15, (5, 3)))
    fingers = np.asarray(aug.FINGERS)
    axis = hand[:, aug.FLEX_AXIS[0]] - hand[:, aug.FLEX_AXIS[1]]
    length = np.linalg.norm(axis, axis=-1, keepdims=True)
    k = np.where(length > 1e-9, axis / np.maximum(length, 1e-9), [1.0, 0.0, 0.0])[:, None, None]
    bones = np.diff(hand[:, fingers], axis=2) * scales[None, :, :, None]
    angle = np.cumsum(bends, axis=1)[None, :, :, None]
    turned = bones * np.cos(angle) + np.cross(k, bones) * np.sin(angle) + \
        k * np.sum(k * bones, axis=-1, keepdims=True) * (1.0 - np.cos(angle))
    expected = hand.copy()
    expected[:, fingers[:, 1:]] = hand[:, fingers[:, :1]] + np.cumsum(turned, axis=2)
    np.testing.assert_allclose(aug.reshape_hand(hand, scales, bends), _keep_missing(hand, expected), atol=1e-12)
