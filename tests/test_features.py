import numpy as np
import pytest
import tensorflow as tf

from fingerspell.training.batches import Batches
from fingerspell.training.config import preset
from fingerspell.features import (FeatureLayout, columns_to_landmarks, compute_features, input_landmark_names,
                                  selected_columns)
from fingerspell.io.kaggle import WideParquet
from fingerspell.store.store import Store

NAMES = input_landmark_names()
LAYOUT = FeatureLayout.from_names(NAMES)


def _sequence(frames=40, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.2, 0.8, (frames, len(NAMES), 3)).astype(np.float32)
    data[:, list(LAYOUT.left_hand)] = np.nan  # a right-handed signer, left hand undetected
    data[::5, list(LAYOUT.right_hand)] = np.nan
    return data


def test_training_and_export_paths_give_identical_features(tiny_dataset, tiny_store):
    """The store's batches and the raw parquet columns (what an exported model reads) agree exactly."""
    store = Store(tiny_store)
    config = preset("ctc", "cpu")
    indices = store.split("val")[:6]
    batch = next(iter(Batches(store, indices, config, training=False).dataset()))
    assert store.columns == selected_columns()
    for row, index in enumerate(batch["index"].numpy()):
        sequence = store.sequences.iloc[index]
        flat = WideParquet(tiny_dataset / sequence.file).read_sequence(int(sequence.sequence_id), selected_columns())
        flat = flat.transpose(0, 2, 1).reshape(len(flat), -1)  # the exported model's input: [frames, columns]
        exported = compute_features(columns_to_landmarks(tf.constant(flat)), LAYOUT, config.max_frames).numpy()
        length = int(batch["mask"][row].numpy().sum())
        np.testing.assert_array_equal(batch["features"][row, :length].numpy(), exported)


def test_left_dominant_signer_is_mirrored_to_the_right():
    right = _sequence()
    left = np.full_like(right, np.nan)
    for a, b in ((LAYOUT.left_hand, LAYOUT.right_hand), (LAYOUT.left_arm, LAYOUT.right_arm)):
        left[:, list(a)] = right[:, list(b)]
    left[..., 0] = 1.0 - left[..., 0]
    np.testing.assert_allclose(compute_features(left, LAYOUT, 256), compute_features(right, LAYOUT, 256), atol=1e-5)


def test_features_ignore_position_and_scale_and_never_hold_nan():
    base = _sequence()
    moved = base.copy()
    moved[..., :2] = 0.5 * moved[..., :2] + 0.2  # farther from the camera and elsewhere in the image
    moved[..., 2] *= 0.5
    a, b = compute_features(base, LAYOUT, 256).numpy(), compute_features(moved, LAYOUT, 256).numpy()
    np.testing.assert_allclose(a, b, atol=1e-4)
    assert np.isfinite(a).all()
    assert a[::5, -1].max() == 0 and a[1::5, -1].min() == 1  # the hand-detected flag


def test_sequences_without_any_hand_give_finite_zeros():
    nothing = np.full((12, len(NAMES), 3), np.nan, np.float32)
    features = compute_features(nothing, LAYOUT, 256).numpy()
    assert features.shape == (12, LAYOUT.num_features) and not features.any()


@pytest.mark.parametrize("frames,expected", [(0, 0), (1, 1), (100, 100), (1000, 256)])
def test_length_cap_by_resampling(frames, expected):
    data = _sequence(max(frames, 1))[:frames]
    assert compute_features(data, LAYOUT, 256).shape == (expected, LAYOUT.num_features)


def test_layout_names_a_missing_landmark():
    with pytest.raises(ValueError, match="lacks landmarks"):
        FeatureLayout.from_names(NAMES[:30])


def test_palm_frame_features_do_not_change_when_the_hand_rolls_in_the_image():
    """With `palm_frame`, the hand turned to its palm direction is the same at any in-plane roll of the hand;
    the direction itself turns with it (it tells H from U), and the image-frame features do change."""
    layout = FeatureLayout.from_names(NAMES, palm_frame=True)
    base = _sequence()
    rolled = base.copy()
    hand = list(layout.right_hand)
    wrist = base[:, hand[:1], :2]
    angle = np.radians(35.0)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    rolled[:, hand, :2] = wrist + (base[:, hand, :2] - wrist) @ turn.T
    a, b = compute_features(base, layout, 256).numpy(), compute_features(rolled, layout, 256).numpy()
    assert a.shape == (40, layout.num_features) == (40, LAYOUT.num_features + 44) and np.isfinite(a).all()
    turned = slice(LAYOUT.num_features, LAYOUT.num_features + 42)
    np.testing.assert_allclose(a[:, turned], b[:, turned], atol=1e-4)
    direction = slice(LAYOUT.num_features + 42, None)
    seen = np.isfinite(base[:, hand[0], 0])
    np.testing.assert_allclose(b[seen, direction], a[seen, direction] @ turn.T, atol=1e-4)
    assert not np.allclose(a[seen, :42], b[seen, :42], atol=1e-3)
    np.testing.assert_array_equal(a[:, :LAYOUT.num_features], compute_features(base, LAYOUT, 256).numpy())


@pytest.mark.parametrize("max_frames", [1, 7, 256])
def test_numpy_frame_picks_are_the_features_resampling(max_frames):
    """The input pipeline caps lengths with `frame_picks` before batching; the features' own `resample`
    must pick the same frames, or training would see other frames than an export does."""
    from fingerspell.features import frame_picks, resample
    for length in list(range(1, 40)) + [255, 256, 257, 383, 511, 1000, 1999]:
        values = tf.range(length, dtype=tf.float32)[None, :, None]
        picked, count = resample(values, [length], max_frames, -1.0)
        assert int(count[0]) == min(length, max_frames)
        np.testing.assert_array_equal(picked.numpy()[0, :, 0], frame_picks(length, max_frames))


def test_a_batch_gives_each_sequence_its_own_features_and_long_ones_are_resampled_first():
    """A sequence's features are the same alone or NaN-padded in a batch with others (exactly); one longer
    than max_frames gives the features of its resampled frames."""
    from fingerspell.features import batch_features, frame_picks
    sequences = [_sequence(40, seed=1), _sequence(13, seed=2), _sequence(90, seed=3)]
    sequences[2][:, list(LAYOUT.right_hand)] = np.nan  # a left-hander's frames (right hand unseen)
    sequences[2][:, list(LAYOUT.left_hand)] = _sequence(90, seed=4)[:, list(LAYOUT.right_hand)]
    batch = np.full((3, 90, len(NAMES), 3), np.nan, np.float32)
    for row, sequence in enumerate(sequences):
        batch[row, :len(sequence)] = sequence
    features, lengths = batch_features(batch, [40, 13, 90], LAYOUT, 64)
    assert features.shape == (3, 64, LAYOUT.num_features) and list(lengths.numpy()) == [40, 13, 64]
    for row, sequence in enumerate(sequences):
        alone = compute_features(sequence, LAYOUT, 64).numpy()
        np.testing.assert_array_equal(features[row, :len(alone)].numpy(), alone)
        assert not features[row, len(alone):].numpy().any()
    picked = compute_features(sequences[2][frame_picks(90, 64)], LAYOUT, 64).numpy()
    np.testing.assert_array_equal(picked, features[2].numpy())
