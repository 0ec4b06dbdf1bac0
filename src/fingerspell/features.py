"""The one feature pipeline, in TensorFlow ops: training maps it over the store, export bakes it in.

landmarks `(frames, P, 3)` (the store's landmarks, NaN = undetected) -> features `(frames', F)`:
0. first, the length capped at `max_frames` by resampling (nearest frame, so missing stays missing);
1. label swaps repaired: a frame where only the "other" hand is seen, close to where the signing hand
   usually is, is MediaPipe calling the signing hand by the wrong side, so it counts as the signing hand;
2. the signing (dominant) hand is the one then detected in more frames (ties: right); a left-dominant
   signer is mirrored to the right (x -> -x; the position is then taken relative to the hand);
3. keep x and y only: z is MediaPipe's noisiest coordinate, its scale differs between Hands and Holistic,
   and some real pose data carries none;
4. the signing hand in its own frame (wrist at the origin, in palm lengths: no dependence on where the
   signer stands or how far from the camera);
5. the signing hand, the other hand, the signing arm's pose points (and optionally lips) relative to the
   signing hand's mean position, in palm lengths: the body helps where it is seen, but nothing is measured
   from the image's corner;
6. a detected flag per frame: the fraction of the signing hand's points seen; NaN -> 0.
Padding masks are made by the batching code from the returned lengths.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from fingerspell.layout import (ARM_POINTS, HAND_SIZE as HAND_POINTS, LANDMARK_NAMES, LIP_POINTS, MIDDLE_KNUCKLE,
                                POSE_ARM_POINTS, columns_for)

SWAP_RADIUS = 2.5  # palm lengths: how close to the signing hand's usual place a mislabelled hand must be
RELATIVE_SCALE = 0.25  # keeps body points, a few palm lengths away, near unit size


@dataclass(frozen=True)
class FeatureLayout:
    """Where each needed landmark sits in the input's P points (the store's landmark order)."""
    left_hand: tuple[int, ...]
    right_hand: tuple[int, ...]
    left_arm: tuple[int, ...]
    right_arm: tuple[int, ...]
    lips: tuple[int, ...]
    palm_frame: bool = False  # also the hand turned to its own palm direction (see palm_frame_features)

    @classmethod
    def from_names(cls, names: list[str], lips: bool = False, palm_frame: bool = False) -> "FeatureLayout":
        position = {n: i for i, n in enumerate(names)}

        def find(wanted):
            missing = [w for w in wanted if w not in position]
            if missing:
                hint = " (the lips: prepare the store with --lips, or --set lips=false)" if lips else ""
                raise ValueError(f"the input lacks landmarks {missing[:4]} that the features need{hint}")
            return tuple(position[w] for w in wanted)
        return cls(left_hand=find([f"left_hand_{i}" for i in range(HAND_POINTS)]),
                   right_hand=find([f"right_hand_{i}" for i in range(HAND_POINTS)]),
                   left_arm=find([f"pose_{i}" for i in ARM_POINTS["left"]]),
                   right_arm=find([f"pose_{i}" for i in ARM_POINTS["right"]]),
                   lips=find([f"face_{i}" for i in LIP_POINTS]) if lips else (), palm_frame=palm_frame)

    @property
    def num_features(self) -> int:
        points = 2 * HAND_POINTS + len(self.left_arm) + len(self.lips)
        return 2 * HAND_POINTS + 2 * points + 1 + (2 * HAND_POINTS + 2 if self.palm_frame else 0)


def input_landmark_names(lips: bool = False) -> list[str]:
    """The landmarks an exported model reads, in order: both hands, both arms, optionally lips."""
    names = [f"left_hand_{i}" for i in range(HAND_POINTS)] + [f"right_hand_{i}" for i in range(HAND_POINTS)]
    names += [f"pose_{i}" for i in POSE_ARM_POINTS]
    return names + ([f"face_{i}" for i in LIP_POINTS] if lips else [])


def selected_columns(lips: bool = False) -> list[str]:
    """The Kaggle columns of `input_landmark_names`, x..., y..., z... (the export contract's order)."""
    lookup = {n: i for i, n in enumerate(LANDMARK_NAMES)}
    return columns_for([lookup[n] for n in input_landmark_names(lips)])


def columns_to_landmarks(flat: tf.Tensor) -> tf.Tensor:
    """`(frames, 3 * P)` Kaggle-ordered columns (x..., y..., z...) -> `(frames, P, 3)`."""
    frames = tf.shape(flat)[0]
    return tf.transpose(tf.reshape(flat, [frames, 3, -1]), [0, 2, 1])


def _seen(hand: tf.Tensor) -> tf.Tensor:
    """(batch, frames) bool: the hand's wrist was detected."""
    return tf.math.is_finite(hand[..., 0, 0])


def _count_detected(hand: tf.Tensor) -> tf.Tensor:
    """(batch,) frames in which the hand was detected."""
    return tf.reduce_sum(tf.cast(_seen(hand), tf.int32), axis=1)


def _nan_mean(values: tf.Tensor, axis) -> tf.Tensor:
    """Mean over `axis` of the finite values (0 where none), axes kept for broadcasting."""
    finite = tf.math.is_finite(values)
    total = tf.reduce_sum(tf.where(finite, values, 0.0), axis=axis, keepdims=True)
    count = tf.reduce_sum(tf.cast(finite, values.dtype), axis=axis, keepdims=True)
    return total / tf.maximum(count, 1.0)


def _palm_length(hand: tf.Tensor) -> tf.Tensor:
    """(batch, 1): mean wrist-to-middle-knuckle length over the frames where it is seen (1 where never)."""
    scale = _nan_mean(tf.norm(hand[:, :, MIDDLE_KNUCKLE, :2] - hand[:, :, 0, :2], axis=-1), axis=1)
    return tf.where(scale > 1e-6, scale, 1.0)


def repair_label_swaps(main: tf.Tensor, other: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Frames where only `other` is seen, within SWAP_RADIUS palms of `main`'s mean wrist, move to `main`."""
    home = _nan_mean(main[:, :, 0, :2], axis=1)
    near = tf.norm(other[:, :, 0, :2] - home, axis=-1) < SWAP_RADIUS * _palm_length(main)
    swapped = tf.logical_not(_seen(main)) & _seen(other) & near & (_count_detected(main) > 0)[:, None]
    nan = tf.fill(tf.shape(other), float("nan"))
    swapped = swapped[:, :, None, None]
    return tf.where(swapped, other, main), tf.where(swapped, nan, other)


def compute_features(landmarks: tf.Tensor, layout: FeatureLayout, max_frames: int) -> tf.Tensor:
    """landmarks: float32 `(frames, P, 3)`, NaN = undetected -> float32 `(min(frames, max_frames), F)`.

    One sequence through `batch_features`: the exported model and training run the same ops."""
    landmarks = tf.convert_to_tensor(landmarks, tf.float32)
    features, _ = batch_features(landmarks[None], tf.shape(landmarks)[:1], layout, max_frames)
    return features[0]


def batch_features(landmarks: tf.Tensor, lengths: tf.Tensor, layout: FeatureLayout,
                   max_frames: int) -> tuple[tf.Tensor, tf.Tensor]:
    """landmarks: float32 `(batch, frames, P, 3)`, NaN = undetected and NaN past each sequence's length
    -> features `(batch, min(frames, max_frames), F)` (zeros past each new length) and the new lengths.
    A sequence longer than `max_frames` is first resampled to it (nearest frame, `resample`).

    Every statistic over frames (which hand signs, palm length, centre) ignores NaN, so the padding
    changes nothing: a sequence's features are the same alone or in a batch. Batches are what training
    maps this over; one op per batch costs a fraction of one per sequence. (x, y only will do.)"""
    landmarks = tf.convert_to_tensor(landmarks, tf.float32)[..., :2]  # z is never used (see 3. above)
    landmarks, lengths = resample(landmarks, lengths, max_frames, float("nan"))
    left, right = _points(landmarks, layout.left_hand), _points(landmarks, layout.right_hand)
    use_left = (_count_detected(left) > _count_detected(right))[:, None, None, None]
    main, other = tf.where(use_left, left, right), tf.where(use_left, right, left)
    main, other = repair_label_swaps(main, other)
    arm = tf.where(use_left, _points(landmarks, layout.left_arm), _points(landmarks, layout.right_arm))
    parts = [main, other, arm] + ([_points(landmarks, layout.lips)] if layout.lips else [])
    points = tf.concat(parts, axis=2)
    mirror = tf.where(use_left, tf.constant([-1.0, 1.0]), tf.constant([1.0, 1.0]))
    points = points * mirror  # x -> -x for a left-dominant signer; the offset is removed below
    hand = points[:, :, :HAND_POINTS]

    scale = _palm_length(hand)[:, :, None, None]
    has_hand = (_count_detected(hand) > 0)[:, None, None, None]
    centre = tf.where(has_hand, _nan_mean(hand, axis=[1, 2]), _nan_mean(points, axis=[1, 2]))
    relative = (points - centre) * (RELATIVE_SCALE / scale)
    local = (hand - hand[:, :, :1]) / scale
    detected = _nan_mean(tf.cast(tf.math.is_finite(hand[..., 0]), tf.float32), axis=2)

    batch, frames = tf.shape(landmarks)[0], tf.shape(landmarks)[1]
    parts = [tf.reshape(local, [batch, frames, -1]), tf.reshape(relative, [batch, frames, -1]), detected]
    if layout.palm_frame:
        turned, direction = palm_frame_features(local)
        parts += [tf.reshape(turned, [batch, frames, -1]), direction]
    features = tf.concat(parts, axis=2)
    features = tf.reshape(features, [batch, frames, layout.num_features])  # a static width, for the converter
    features = tf.where(tf.math.is_finite(features) & tf.sequence_mask(lengths, frames)[:, :, None], features, 0.0)
    return features, lengths


def _points(landmarks: tf.Tensor, indices: tuple[int, ...]) -> tf.Tensor:
    """landmarks[:, :, indices]: a strided slice where the indices are evenly spaced (the store's and the
    export's hands, arms and lips are), which costs XLA a fraction of a gather."""
    step = indices[1] - indices[0] if len(indices) > 1 else 1
    if step > 0 and list(indices) == list(range(indices[0], indices[0] + step * len(indices), step)):
        return landmarks[:, :, indices[0]:indices[0] + step * (len(indices) - 1) + 1:step]
    return tf.gather(landmarks, indices, axis=2)


def palm_frame_features(local: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """local `(..., 21, 2)` (wrist at the origin, palm lengths) -> the hand turned per frame so that its
    palm (wrist -> middle knuckle) points up, `(..., 21, 2)`, and that direction `(..., 2)`.

    The turned hand is the same for a signer or camera that rolls the hand in the image plane, so the
    handshape does not have to be learned at every angle; the direction keeps what tells H from U or
    P from K apart."""
    palm = local[..., MIDDLE_KNUCKLE, :]
    length = tf.norm(palm, axis=-1, keepdims=True)
    up = tf.where(length > 1e-6, palm / tf.maximum(length, 1e-6), tf.constant([0.0, -1.0]))  # image y is down
    up = tf.where(tf.math.is_finite(length), up, float("nan"))  # an unseen hand has no direction (-> 0)
    across = tf.stack([-up[..., 1], up[..., 0]], axis=-1)
    turned = tf.stack([tf.reduce_sum(local * across[..., None, :], -1),
                       -tf.reduce_sum(local * up[..., None, :], -1)], -1)
    return turned, up


def frame_picks(length: int, max_frames: int) -> np.ndarray:
    """The frames `resample` keeps of a sequence `length` long, in numpy (the input pipeline caps the
    length before batching, so batches stay short); the same integer formula as `resample`'s (tested)."""
    count = min(length, max_frames)
    return np.arange(count, dtype=np.int64) * length // max(count, 1)


def resample(values: tf.Tensor, lengths: tf.Tensor, max_frames: int, fill: float) -> tuple[tf.Tensor, tf.Tensor]:
    """values `(batch, frames, ...)`, each sequence `lengths` long: sequences up to `max_frames` are kept,
    longer ones resampled to exactly `max_frames` (nearest frame); `fill` past each new length."""
    lengths = tf.cast(lengths, tf.int32)
    counts = tf.minimum(lengths, max_frames)
    width = tf.minimum(tf.shape(values)[1], max_frames)
    steps = tf.range(width)
    picks = steps[None] * lengths[:, None] // tf.maximum(counts, 1)[:, None]
    picks = tf.clip_by_value(picks, 0, tf.maximum(tf.shape(values)[1] - 1, 0))
    kept = tf.sequence_mask(counts, width)
    kept = tf.reshape(kept, tf.concat([tf.shape(kept), tf.ones([tf.rank(values) - 2], tf.int32)], axis=0))
    return tf.where(kept, tf.gather(values, picks, batch_dims=1), fill), counts
