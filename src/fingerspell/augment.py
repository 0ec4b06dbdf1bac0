"""Augmentation of raw landmark sequences `(frames, P, 3)` (NaN = undetected), before the features.

Each transform is switchable in `AugmentConfig`; all draw from the generator they are given, so a run
is reproducible from its seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import FeatureLayout

FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))


@dataclass(frozen=True)
class AugmentConfig:
    enabled: bool = True
    resample_probability: float = 0.8
    resample_range: tuple[float, float] = (0.5, 1.5)  # new length / old length
    affine_probability: float = 0.8
    scale_range: tuple[float, float] = (0.75, 1.3)
    rotate_degrees: float = 15.0
    shear: float = 0.15
    shift: float = 0.08
    flip_probability: float = 0.0  # mirror and swap hands: the features mirror left-handers back, so it does nothing
    finger_dropout_probability: float = 0.3
    time_mask_probability: float = 0.5
    time_mask_fraction: float = 0.1
    landmark_mask_probability: float = 0.3
    landmark_mask_fraction: float = 0.05
    cutmix_probability: float = 0.25  # same-signer time cut-mix (done by the data pipeline)


def time_resample(frames: np.ndarray, factor: float) -> np.ndarray:
    """Play the sequence `factor` times as long (nearest frame, so missing stays missing)."""
    count = max(1, int(round(len(frames) * factor)))
    picks = np.minimum((np.arange(count) / factor).astype(int), len(frames) - 1)
    return frames[picks]


def affine(frames: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Scale, rotate, shear and shift x, y about the sequence's centre."""
    center = np.nanmean(frames[..., :2].reshape(-1, 2), axis=0) if np.isfinite(frames).any() else np.zeros(2)
    angle = np.radians(rng.uniform(-config.rotate_degrees, config.rotate_degrees))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, rng.uniform(-config.shear, config.shear)], [rng.uniform(-config.shear, config.shear), 1.0]])
    matrix = np.diag(rng.uniform(*config.scale_range, 2)) @ rotation @ shear  # x and y apart: aspect ratio
    out = frames.copy()
    out[..., :2] = (frames[..., :2] - center) @ matrix.T + center + rng.uniform(-config.shift, config.shift, 2)
    return out


def flip(frames: np.ndarray, layout: FeatureLayout) -> np.ndarray:
    """Mirror the image (x -> 1 - x) and swap left and right hands and arms, as a mirrored camera would."""
    out = frames.copy()
    out[..., 0] = 1.0 - out[..., 0]
    for a, b in ((layout.left_hand, layout.right_hand), (layout.left_arm, layout.right_arm)):
        out[:, list(a) + list(b)] = out[:, list(b) + list(a)]
    return out


def finger_dropout(frames: np.ndarray, layout: FeatureLayout, rng: np.random.Generator) -> np.ndarray:
    """Hide one finger of both hands over a random span, as when MediaPipe loses an occluded finger."""
    out = frames.copy()
    finger = FINGERS[rng.integers(len(FINGERS))]
    start = rng.integers(len(frames))
    stop = min(len(frames), start + rng.integers(1, max(2, len(frames) // 2)))
    for hand in (layout.left_hand, layout.right_hand):
        out[start:stop, [hand[i] for i in finger]] = np.nan
    return out


def time_mask(frames: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """Hide every landmark over one span of up to `fraction` of the frames."""
    out = frames.copy()
    width = rng.integers(0, max(1, int(len(frames) * fraction)) + 1)
    start = rng.integers(0, max(1, len(frames) - width + 1))
    out[start:start + width] = np.nan
    return out


def landmark_mask(frames: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """Hide random single landmarks in random frames."""
    out = frames.copy()
    out[rng.random(frames.shape[:2]) < fraction] = np.nan
    return out


def augment(frames: np.ndarray, layout: FeatureLayout, rng: np.random.Generator,
            config: AugmentConfig) -> np.ndarray:
    """One random augmentation of a sequence (cut-mix excepted: it needs two sequences)."""
    if not config.enabled or len(frames) == 0:
        return frames
    if rng.random() < config.resample_probability:
        frames = time_resample(frames, rng.uniform(*config.resample_range))
    if rng.random() < config.affine_probability:
        frames = affine(frames, rng, config)
    if rng.random() < config.flip_probability:
        frames = flip(frames, layout)
    if rng.random() < config.finger_dropout_probability:
        frames = finger_dropout(frames, layout, rng)
    if rng.random() < config.time_mask_probability:
        frames = time_mask(frames, rng, config.time_mask_fraction)
    if rng.random() < config.landmark_mask_probability:
        frames = landmark_mask(frames, rng, config.landmark_mask_fraction)
    return frames.astype(np.float32, copy=False)


def cutmix(first: tuple[np.ndarray, str], second: tuple[np.ndarray, str],
           rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Same-signer time cut-mix: the start of one sequence joined to the end of another.

    Cuts fall at character boundaries placed in proportion to the frames (about 9 frames per character
    for everyone), so the phrase matches the frames up to a frame or two at the joint.
    """
    (a, text_a), (b, text_b) = first, second
    if len(text_a) < 2 or len(text_b) < 2:
        return a, text_a
    cut_a, cut_b = int(rng.integers(1, len(text_a))), int(rng.integers(1, len(text_b)))
    frame_a = int(round(len(a) * cut_a / len(text_a)))
    frame_b = int(round(len(b) * cut_b / len(text_b)))
    return np.concatenate([a[:frame_a], b[frame_b:]]), text_a[:cut_a] + text_b[cut_b:]
