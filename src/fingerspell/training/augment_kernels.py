"""The per-point loops of `augment`'s geometric transforms, compiled by numba.

Written as numpy array expressions, each transform cost 0.3 to 1 ms per sequence, mostly numpy's overhead
on arrays whose last axis is 3; as loops compiled to machine code they cost a few microseconds per
sequence, and `nogil` lets the input pipeline's threads run them side by side. The maths is the one
documented in `augment.py`; compiled code is cached beside this file on first use (a few seconds).

Missing points stay missing: a coordinate that is NaN on input is NaN on output, and one that a transform
would make NaN (it moved relative to a missing point) keeps its input value. Every kernel may write into
the array it reads (`out` is `frames`): the augmentation works on one copy of a sequence, since each copy
of a whole sequence cost about as much as the transform itself.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _keep(before: float, after: float) -> float:
    if np.isnan(before):
        return np.nan
    return after if np.isfinite(after) else before


@njit(cache=True, nogil=True)
def seen_xy_mean(points: np.ndarray) -> np.ndarray:
    """points `(N, 3)` -> the mean x, y of those whose x is finite (0, 0 where none is)."""
    total = np.zeros(2)
    count = 0
    for i in range(points.shape[0]):
        if np.isfinite(points[i, 0]):
            total[0] += points[i, 0]
            total[1] += points[i, 1]
            count += 1
    return total / max(count, 1)


@njit(cache=True, nogil=True)
def camera_affine(points: np.ndarray, out: np.ndarray, matrix: np.ndarray, center: np.ndarray,
                  z_scale: float) -> None:
    """Into `out`: points `(N, 3)` with x, y -> matrix `(2, 2)` @ (x, y - center) + center; z times `z_scale`."""
    for i in range(points.shape[0]):
        x, y = points[i, 0] - center[0], points[i, 1] - center[1]
        out[i, 0] = matrix[0, 0] * x + matrix[0, 1] * y + center[0]
        out[i, 1] = matrix[1, 0] * x + matrix[1, 1] * y + center[1]
        out[i, 2] = points[i, 2] * z_scale


@njit(cache=True, nogil=True)
def rotate_hand(frames: np.ndarray, out: np.ndarray, hand: np.ndarray, matrix: np.ndarray,
                arm_wrist: int, arm_tips: np.ndarray) -> None:
    """Into `out`: the hand's points `hand` of `frames (F, P, 3)` turned by `matrix (3, 3)` about each
    frame's wrist (or the mean of its seen points where the wrist is missing); the arm's tips `arm_tips`
    turned with it about the pose wrist `arm_wrist` (-1: none) as flat offsets (z taken as 0)."""
    pivot, turned, flat = np.empty(3), np.empty(3), np.empty(3)
    for f in range(frames.shape[0]):
        seen = 0
        if np.isfinite(frames[f, hand[0], 0]):
            pivot[:] = frames[f, hand[0]]
            seen = 1
        else:
            pivot[:] = 0.0
            for p in hand:
                if np.isfinite(frames[f, p, 0]):
                    pivot += frames[f, p]
                    seen += 1
            pivot /= max(seen, 1)
        if seen:  # else no point of this hand in this frame: nothing to turn (the arm may still be seen)
            for p in hand:
                for r in range(3):
                    turned[r] = pivot[r]
                    for c in range(3):
                        turned[r] += matrix[r, c] * (frames[f, p, c] - pivot[c])
                for c in range(3):
                    out[f, p, c] = _keep(frames[f, p, c], turned[c])
        if arm_wrist >= 0:
            for p in arm_tips:
                # the tip's offset from the pose wrist, flat (z -> 0), swapped for its turned version
                for c in range(3):
                    flat[c] = frames[f, p, c] - frames[f, arm_wrist, c]
                flat[2] *= 0.0  # (NaN stays NaN, as the offset is unknown then)
                for r in range(3):
                    turned[r] = frames[f, p, r] - flat[r]
                    for c in range(3):
                        turned[r] += matrix[r, c] * flat[c]
                for c in range(3):
                    out[f, p, c] = _keep(frames[f, p, c], turned[c])


@njit(cache=True, nogil=True)
def reshape_hand(frames: np.ndarray, out: np.ndarray, hand: np.ndarray, fingers: np.ndarray,
                 flex_axis: np.ndarray, scales: np.ndarray, bends: np.ndarray) -> None:
    """Into `out`: the hand whose 21 points are `hand` in `frames (F, P, 3)` with each finger's bones
    (`fingers (5, 4)`, hand point numbers, base knuckle first) scaled by `scales (5, 3)` and bone b turned
    by the sum of `bends (5, 3)` up to b (radians) about the knuckle line `flex_axis` (two point numbers)."""
    angles = np.empty_like(bends)  # bone b turns by the bends at joints 0..b, the same in every frame
    for finger in range(bends.shape[0]):
        angles[finger] = np.cumsum(bends[finger])
    cosines, sines = np.cos(angles), np.sin(angles)
    axis = np.empty(3)
    position = np.empty(3)
    bone = np.empty(3)
    finger_before = np.empty((fingers.shape[1], 3), frames.dtype)  # its points as read (out may be frames)
    for f in range(frames.shape[0]):
        length = 0.0
        for c in range(3):
            axis[c] = frames[f, hand[flex_axis[0]], c] - frames[f, hand[flex_axis[1]], c]
            length += axis[c] * axis[c]
        length = np.sqrt(length)
        if length > 1e-9:
            axis /= length
        else:  # also where a knuckle is missing (NaN compares false)
            axis[0], axis[1], axis[2] = 1.0, 0.0, 0.0
        for finger in range(fingers.shape[0]):
            for k in range(fingers.shape[1]):
                for c in range(3):
                    finger_before[k, c] = frames[f, hand[fingers[finger, k]], c]
            for c in range(3):
                position[c] = finger_before[0, c]
            for b in range(3):
                cos, sin = cosines[finger, b], sines[finger, b]
                for c in range(3):
                    bone[c] = (finger_before[b + 1, c] - finger_before[b, c]) * scales[finger, b]
                dot = axis[0] * bone[0] + axis[1] * bone[1] + axis[2] * bone[2]
                cross0 = axis[1] * bone[2] - axis[2] * bone[1]
                cross1 = axis[2] * bone[0] - axis[0] * bone[2]
                cross2 = axis[0] * bone[1] - axis[1] * bone[0]
                position[0] += bone[0] * cos + cross0 * sin + axis[0] * dot * (1.0 - cos)
                position[1] += bone[1] * cos + cross1 * sin + axis[1] * dot * (1.0 - cos)
                position[2] += bone[2] * cos + cross2 * sin + axis[2] * dot * (1.0 - cos)
                point = hand[fingers[finger, b + 1]]
                for c in range(3):
                    out[f, point, c] = _keep(finger_before[b + 1, c], position[c])
