"""The one feature pipeline, in TensorFlow ops: training maps it over the store, export bakes it in.

landmarks `(frames, P, 3)` (the store's landmarks, NaN = undetected) -> features `(frames', F)`:
1. the dominant hand is the one detected in more frames (ties: right);
2. a left-dominant signer is mirrored to the right (x -> 1 - x);
3. keep that hand, its arm's pose points (shoulder, elbow, wrist, pinky, index, thumb) and optionally lips;
4. per sequence, normalise by the mean and std of the detected values (NaN ignored);
5. add the hand in its own frame (wrist at the origin, scaled by its median palm length) and a
   hand-detected flag, then NaN -> 0;
6. cap the length at `max_frames` by resampling (nearest frame, so missing stays missing).
Padding masks are made by the batching code from the returned lengths.
"""
from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from .landmarks import LANDMARK_NAMES, LIP_POINTS, columns_for

ARM_POINTS = {"left": (11, 13, 15, 17, 19, 21), "right": (12, 14, 16, 18, 20, 22)}
HAND_POINTS = 21
MIDDLE_KNUCKLE = 9


@dataclass(frozen=True)
class FeatureLayout:
    """Where each needed landmark sits in the input's P points (the store's landmark order)."""
    left_hand: tuple[int, ...]
    right_hand: tuple[int, ...]
    left_arm: tuple[int, ...]
    right_arm: tuple[int, ...]
    lips: tuple[int, ...]

    @classmethod
    def from_names(cls, names: list[str], lips: bool = False) -> "FeatureLayout":
        position = {n: i for i, n in enumerate(names)}

        def find(wanted):
            missing = [w for w in wanted if w not in position]
            if missing:
                raise ValueError(f"the input lacks landmarks {missing[:4]} that the features need")
            return tuple(position[w] for w in wanted)
        return cls(left_hand=find([f"left_hand_{i}" for i in range(HAND_POINTS)]),
                   right_hand=find([f"right_hand_{i}" for i in range(HAND_POINTS)]),
                   left_arm=find([f"pose_{i}" for i in ARM_POINTS["left"]]),
                   right_arm=find([f"pose_{i}" for i in ARM_POINTS["right"]]),
                   lips=find([f"face_{i}" for i in LIP_POINTS]) if lips else ())

    @property
    def num_features(self) -> int:
        points = HAND_POINTS + len(self.left_arm) + len(self.lips)
        return 3 * HAND_POINTS + 3 * points + 1


def input_landmark_names(lips: bool = False) -> list[str]:
    """The landmarks an exported model reads, in order: both hands, both arms, optionally lips."""
    names = [f"left_hand_{i}" for i in range(HAND_POINTS)] + [f"right_hand_{i}" for i in range(HAND_POINTS)]
    names += [f"pose_{i}" for i in range(11, 23)]
    return names + ([f"face_{i}" for i in LIP_POINTS] if lips else [])


def selected_columns(lips: bool = False) -> list[str]:
    """The Kaggle columns of `input_landmark_names`, x..., y..., z... (the export contract's order)."""
    lookup = {n: i for i, n in enumerate(LANDMARK_NAMES)}
    return columns_for([lookup[n] for n in input_landmark_names(lips)])


def columns_to_landmarks(flat: tf.Tensor) -> tf.Tensor:
    """`(frames, 3 * P)` Kaggle-ordered columns (x..., y..., z...) -> `(frames, P, 3)`."""
    frames = tf.shape(flat)[0]
    return tf.transpose(tf.reshape(flat, [frames, 3, -1]), [0, 2, 1])


def _count_detected(hand: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.cast(tf.math.is_finite(hand[:, 0, 0]), tf.int32))


def _nan_mean(values: tf.Tensor, axis) -> tf.Tensor:
    finite = tf.math.is_finite(values)
    total = tf.reduce_sum(tf.where(finite, values, 0.0), axis=axis)
    count = tf.reduce_sum(tf.cast(finite, values.dtype), axis=axis)
    return total / tf.maximum(count, 1.0)


def compute_features(landmarks: tf.Tensor, layout: FeatureLayout, max_frames: int) -> tf.Tensor:
    """landmarks: float32 `(frames, P, 3)`, NaN = undetected -> float32 `(min(frames, max_frames), F)`."""
    landmarks = tf.convert_to_tensor(landmarks, tf.float32)
    left, right = tf.gather(landmarks, layout.left_hand, axis=1), tf.gather(landmarks, layout.right_hand, axis=1)
    use_left = _count_detected(left) > _count_detected(right)
    hand = tf.where(use_left, left, right)
    arm = tf.where(use_left, tf.gather(landmarks, layout.left_arm, axis=1),
                   tf.gather(landmarks, layout.right_arm, axis=1))
    parts = [hand, arm] + ([tf.gather(landmarks, layout.lips, axis=1)] if layout.lips else [])
    points = tf.concat(parts, axis=1)
    mirror = tf.where(use_left, tf.constant([-1.0, 1.0, 1.0]), tf.constant([1.0, 1.0, 1.0]))
    shift = tf.where(use_left, tf.constant([1.0, 0.0, 0.0]), tf.constant([0.0, 0.0, 0.0]))
    points = points * mirror + shift  # x -> 1 - x for a left-dominant signer
    hand = points[:, :HAND_POINTS]

    mean = _nan_mean(points, axis=[0, 1])
    spread = tf.sqrt(_nan_mean(tf.square(points - mean), axis=[0, 1]))
    normalised = (points - mean) / tf.where(spread > 1e-6, spread, 1.0)

    palm = tf.norm(hand[:, MIDDLE_KNUCKLE, :2] - hand[:, 0, :2], axis=-1)
    scale = _nan_mean(palm, axis=0)
    local = (hand - hand[:, :1]) / tf.where(scale > 1e-6, scale, 1.0)
    detected = tf.cast(tf.math.is_finite(hand[:, 0, 0]), tf.float32)[:, None]

    frames = tf.shape(landmarks)[0]
    features = tf.concat([tf.reshape(local, [frames, -1]), tf.reshape(normalised, [frames, -1]), detected], axis=1)
    features = tf.reshape(features, [frames, layout.num_features])  # a static width, for the converter
    features = tf.where(tf.math.is_finite(features), features, 0.0)
    return resample(features, max_frames)


def resample(features: tf.Tensor, max_frames: int) -> tf.Tensor:
    """Keep sequences up to `max_frames`; longer ones are resampled to exactly `max_frames` (nearest)."""
    frames = tf.shape(features)[0]
    count = tf.minimum(frames, max_frames)
    picks = tf.cast(tf.floor(tf.cast(tf.range(count), tf.float32) * tf.cast(frames, tf.float32)
                             / tf.cast(count, tf.float32)), tf.int32)
    return tf.gather(features, tf.minimum(picks, frames - 1))
