"""Augmentation of raw landmark sequences `(frames, P, 3)` (NaN = undetected), before the features.

The features undo a mirror with hands swapped (left-dominant signers are mirrored back), a shift and a
uniform scale (the hand is measured from its own centre in palm lengths), so none of those is here. What
is here is what does differ between real signers, cameras and extractors: the camera's aspect ratio and
roll, how each wrist is turned, the signer's finger lengths and habitual joint angles, speed changes within
a phrase, and MediaPipe losing fingers, frames or the whole body (Hands-only extraction).

Each transform is switchable in `AugmentConfig`; all draw from the generator they are given, so a run
is reproducible from its seed. Missing points stay missing and found points stay found (masks aside).
`augment` copies a sequence once (the time transforms' one gather) and then changes that copy in place
(`inplace=True`): a copy of a whole sequence cost about as much as a transform.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fingerspell.features import FeatureLayout
from fingerspell.synth.handshapes import rotation
from fingerspell.layout import FINGER_CHAINS

FINGERS = tuple(chain[1:] for chain in FINGER_CHAINS)  # each finger's four points, base knuckle first
FLEX_AXIS = (5, 17)  # index and little base knuckles: the line the fingers flex about
FINGER_POINTS, FLEX_POINTS = np.asarray(FINGERS), np.asarray(FLEX_AXIS)  # as the compiled kernels take them
# The transforms import `augment_kernels` (numba, a training extra) when they run: config imports this
# module for AugmentConfig, and reading needs no numba.


@dataclass(frozen=True)
class AugmentConfig:
    enabled: bool = True
    resample_probability: float = 0.8
    resample_range: tuple[float, float] = (0.5, 1.5)  # new length / old length
    warp_probability: float = 0.5  # speed changes within the phrase, length kept
    warp_max_speed: float = 1.5  # local speed between 1 / this and this times the mean (before normalising)
    warp_knots: int = 4  # speed changes per sequence
    camera_probability: float = 0.8
    aspect_range: tuple[float, float] = (0.7, 1.4)  # x scale / y scale: the image's width / height differs
    rotate_degrees: float = 10.0  # camera roll
    shear: float = 0.1
    hand_rotation_probability: float = 0.5
    hand_rotation_degrees: tuple[float, float, float] = (30.0, 20.0, 20.0)  # yaw, pitch, roll about the wrist
    handshape_probability: float = 0.5
    bone_scale_range: tuple[float, float] = (0.85, 1.15)  # per finger bone
    bend_degrees: float = 12.0  # per finger joint
    pose_drop_probability: float = 0.15  # arms and lips missing throughout, as MediaPipe Hands gives
    finger_dropout_probability: float = 0.3
    time_mask_probability: float = 0.5
    time_mask_fraction: float = 0.1
    landmark_mask_probability: float = 0.3
    landmark_mask_fraction: float = 0.05
    cutmix_probability: float = 0.25  # same-signer time cut-mix (done by the data pipeline)


def draw_resample_factors(rng: np.random.Generator, count: int, config: AugmentConfig) -> np.ndarray:
    """(count,) length factors for `resample_picks`: 1.0 (left alone) or uniform in `resample_range`.

    Drawn for a whole epoch before batching, so that batches can be made of sequences of similar
    length *after* resampling; sorting by the stored length alone left a quarter of every batch padding."""
    if not config.enabled:
        return np.ones(count)
    resampled = rng.random(count) < config.resample_probability
    return np.where(resampled, rng.uniform(*config.resample_range, count), 1.0)


def resample_picks(length: int, factor: float) -> np.ndarray:
    """The source frame of each frame of a sequence `length` long played `factor` times as long (nearest
    frame, so missing stays missing)."""
    count = max(1, int(round(length * factor)))
    return np.minimum((np.arange(count) / factor).astype(int), length - 1)


def warp_picks(count: int, rng: np.random.Generator, max_speed: float, knots: int) -> np.ndarray:
    """(count,) source frame of each output frame: non-decreasing, from 0 to count - 1.

    The playback speed follows a smooth curve (log speed interpolated between `knots` + 1 random values
    within +-log(max_speed)), normalised so the whole still spans the sequence: some stretches play faster,
    others slower, as a signer hurries over some letters and dwells on others."""
    log_speed = rng.uniform(-np.log(max_speed), np.log(max_speed), knots + 1)
    speed = np.exp(np.interp(np.linspace(0.0, knots, count), np.arange(knots + 1), log_speed))
    position = np.concatenate([[0.0], np.cumsum(speed[:-1])])
    return np.rint(position * (count - 1) / max(position[-1], 1e-9)).astype(int)


def camera(frames: np.ndarray, rng: np.random.Generator, config: AugmentConfig,
           inplace: bool = False) -> np.ndarray:
    """Another camera: x and y scaled apart (aspect ratio), a small roll and shear, about the centre.

    Normalised x is divided by the image's width and y by its height, so the same signer filmed in another
    aspect ratio is stretched along one axis; the features' palm-length scale cannot undo that. The ratio is
    drawn log-uniformly and split evenly between x and y, keeping the area (only the ratio matters)."""
    from fingerspell.training.augment_kernels import camera_affine, seen_xy_mean
    frames = np.ascontiguousarray(frames)
    out = frames if inplace else frames.copy()  # (in place: the kernel reads each point before writing it)
    flat = frames.reshape(-1, 3)
    center = seen_xy_mean(flat)
    ratio = np.exp(rng.uniform(*np.log(config.aspect_range)))
    angle = np.radians(rng.uniform(-config.rotate_degrees, config.rotate_degrees))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, rng.uniform(-config.shear, config.shear)], [rng.uniform(-config.shear, config.shear), 1.0]])
    matrix = np.diag([np.sqrt(ratio), 1.0 / np.sqrt(ratio)]) @ rotation @ shear
    # MediaPipe's z has the scale of normalised x
    camera_affine(flat, out.reshape(-1, 3), matrix, center, float(np.sqrt(ratio)))
    return out


def hand_rotation(frames: np.ndarray, layout: FeatureLayout, rng: np.random.Generator,
                  config: AugmentConfig, inplace: bool = False) -> np.ndarray:
    """Each hand turned in 3-D about its wrist by its own yaw, pitch and roll, for the whole sequence.

    Signers hold the wrist at different angles and cameras see them from different heights; the features
    keep x and y only, so a turn out of the image plane foreshortens the hand as a real one would. The
    coordinates are treated as isotropic (their true aspect is unknown), which only adds some of the
    stretch `camera` adds anyway. The arm's pose points on the hand (pinky, index, thumb) turn with it
    about the pose wrist; pose z is too noisy to turn into x and y, so their offsets are taken as flat."""
    from fingerspell.training.augment_kernels import rotate_hand
    out = np.ascontiguousarray(frames)
    out = out if inplace else out.copy()  # each hand reads what the other left (they share no point)
    limits = np.asarray(config.hand_rotation_degrees)
    for hand, arm in ((layout.left_hand, layout.left_arm), (layout.right_hand, layout.right_arm)):
        yaw, pitch, roll = rng.uniform(-limits, limits)
        full_arm = len(arm) == 6  # shoulder, elbow, wrist, pinky, index, thumb
        rotate_hand(out, out, np.asarray(hand), rotation(yaw=yaw, roll=roll, pitch=pitch),
                    arm[2] if full_arm else -1, np.asarray(arm[3:] if full_arm else (), dtype=np.int64))
    return out


def reshape_hand(hand: np.ndarray, scales: np.ndarray, bends: np.ndarray) -> np.ndarray:
    """hand `(frames, 21, 3)` with each finger's three bones scaled by `scales` (5, 3) and then bent at its
    three joints by `bends` (5, 3) radians, base joint first, about the knuckle line (the flexion axis of
    the four fingers; for the thumb a mix of flexion and opposition). The palm does not move.

    All joints of a hand turn about parallel axes, so bending joint j turns every bone beyond it by the
    same angle: bone b ends up turned by the sum of the bends at joints 0..b: one Rodrigues rotation per
    bone (compiled: `augment_kernels`)."""
    hand = np.ascontiguousarray(hand)
    out = hand.copy()
    _reshape_hand_into(hand, out, np.arange(hand.shape[1]), scales, bends)
    return out


def _reshape_hand_into(frames, out, hand, scales, bends) -> None:
    from fingerspell.training.augment_kernels import reshape_hand as compiled
    compiled(frames, out, np.asarray(hand), FINGER_POINTS, FLEX_POINTS, np.asarray(scales, np.float64),
             np.asarray(bends, np.float64))


def handshape(frames: np.ndarray, layout: FeatureLayout, rng: np.random.Generator,
              config: AugmentConfig, inplace: bool = False) -> np.ndarray:
    """Each hand given other finger proportions and habitual joint angles for the whole sequence, as
    another signer's hand: bone lengths scaled and joints bent a little, per finger."""
    out = np.ascontiguousarray(frames)
    out = out if inplace else out.copy()
    for hand in (layout.left_hand, layout.right_hand):
        scales = rng.uniform(*config.bone_scale_range, (len(FINGERS), 3))
        bends = np.radians(rng.uniform(-config.bend_degrees, config.bend_degrees, (len(FINGERS), 3)))
        _reshape_hand_into(out, out, hand, scales, bends)
    return out


def pose_drop(frames: np.ndarray, layout: FeatureLayout, inplace: bool = False) -> np.ndarray:
    """Arms and lips missing in every frame, as from MediaPipe Hands (no pose or face model) extraction."""
    out = frames if inplace else frames.copy()
    out[:, list(layout.left_arm + layout.right_arm + layout.lips)] = np.nan
    return out


def finger_dropout(frames: np.ndarray, layout: FeatureLayout, rng: np.random.Generator,
                   inplace: bool = False) -> np.ndarray:
    """Hide one finger of both hands over a random span, as when MediaPipe loses an occluded finger."""
    out = frames if inplace else frames.copy()
    finger = FINGERS[rng.integers(len(FINGERS))]
    start = rng.integers(len(frames))
    stop = min(len(frames), start + rng.integers(1, max(2, len(frames) // 2)))
    for hand in (layout.left_hand, layout.right_hand):
        out[start:stop, [hand[i] for i in finger]] = np.nan
    return out


def time_mask(frames: np.ndarray, rng: np.random.Generator, fraction: float,
              inplace: bool = False) -> np.ndarray:
    """Hide every landmark over one span of up to `fraction` of the frames."""
    out = frames if inplace else frames.copy()
    width = rng.integers(1, max(1, int(len(frames) * fraction)) + 1)  # applied means at least one frame
    start = rng.integers(0, max(1, len(frames) - width + 1))
    out[start:start + width] = np.nan
    return out


def landmark_mask(frames: np.ndarray, rng: np.random.Generator, fraction: float,
                  inplace: bool = False) -> np.ndarray:
    """Hide random single landmarks in random frames."""
    out = frames if inplace else frames.copy()
    out[rng.random(frames.shape[:2], dtype=np.float32) < fraction] = np.nan
    return out


def augment(frames: np.ndarray, layout: FeatureLayout, rng: np.random.Generator,
            config: AugmentConfig, resample_factor: float | None = None) -> np.ndarray:
    """One random augmentation of a sequence `(frames, P, 3)` -> float32 `(frames', P, 3)` (cut-mix
    excepted: it needs two sequences). Time first, then the hands' own geometry, then the camera that
    films them, then what the extractor loses. `resample_factor`: the length factor drawn beforehand by
    `draw_resample_factors` (the batching code does, to group similar lengths); None draws it here."""
    if not config.enabled or len(frames) == 0:
        return frames
    if resample_factor is None:
        resample_factor = float(draw_resample_factors(rng, 1, config)[0])
    picks = None if resample_factor == 1.0 else resample_picks(len(frames), resample_factor)
    if rng.random() < config.warp_probability:
        warp = warp_picks(len(frames) if picks is None else len(picks), rng, config.warp_max_speed, config.warp_knots)
        picks = warp if picks is None else picks[warp]
    frames = np.asarray(frames, np.float32)
    out = frames.copy() if picks is None else frames[picks]  # the one copy: resampling and warping as one gather
    if rng.random() < config.handshape_probability:
        handshape(out, layout, rng, config, inplace=True)
    if rng.random() < config.hand_rotation_probability:
        hand_rotation(out, layout, rng, config, inplace=True)
    if rng.random() < config.camera_probability:
        camera(out, rng, config, inplace=True)
    if rng.random() < config.pose_drop_probability:
        pose_drop(out, layout, inplace=True)
    if rng.random() < config.finger_dropout_probability:
        finger_dropout(out, layout, rng, inplace=True)
    if rng.random() < config.time_mask_probability:
        time_mask(out, rng, config.time_mask_fraction, inplace=True)
    if rng.random() < config.landmark_mask_probability:
        landmark_mask(out, rng, config.landmark_mask_fraction, inplace=True)
    return out


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
