"""Synthetic fingerspelling in the Kaggle layout, calibrated to the real corpus's published statistics.

Each signer has a speed (frames per character), a handedness, a hand (bone lengths, resting wrist
rotation, distance to camera), a body placement and a detection rate. Each character is a keyframe:
a real letter handshape (or a digit/symbol's shape and movement, see handshapes.py); the hand blends
smoothly from one keyframe to the next (coarticulation), doubled letters bounce, and MediaPipe-like
failures drop the hand in bursts, more often during fast transitions and always while the hand rises
and falls at the ends.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .handshapes import SIGNS, body_template, letter_exemplars, motion_offset, rotation, scale_bones
from .landmarks import NUM_LANDMARKS, PART_OFFSET

HOLD = 0.45  # fraction of a character's span spent holding its shape; the rest blends to the next
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
RIGHT_ARM = {"shoulder": 12, "elbow": 14, "wrist": 16, "pinky": 18, "index": 20, "thumb": 22}
LEFT_ARM = {"shoulder": 11, "elbow": 13, "wrist": 15, "pinky": 17, "index": 19, "thumb": 21}


@dataclass(frozen=True)
class Signer:
    participant_id: int
    left_dominant: bool
    frames_per_char: float  # whole-sequence frames per character, 5 to 13 (corpus median 8.9)
    visibility: float  # chance the dominant hand is detected mid-phrase
    other_visibility: float  # chance the resting hand is detected
    hand_unit: float  # wrist-to-middle-knuckle length in image units: distance to the camera
    finger_scale: np.ndarray  # (5,) bone-length factor per finger
    rest_angles: np.ndarray  # (3,) yaw, roll, pitch of the wrist at rest, degrees
    body_shift: np.ndarray  # (2,) image offset of the body
    body_scale: float
    style: np.ndarray  # (26, 4) this signer's mix of the 4 real exemplars of each letter
    sign_offset: np.ndarray  # (2,) where the hand signs, relative to the shoulder, body units


def make_signer(rng: np.random.Generator, participant_id: int) -> Signer:
    return Signer(
        participant_id=participant_id,
        left_dominant=bool(rng.random() < 0.12),
        frames_per_char=float(np.clip(rng.lognormal(np.log(8.9), 0.24), 5.0, 13.0)),
        visibility=float(np.clip(rng.beta(5.0, 2.0), 0.25, 0.97)),
        other_visibility=float(rng.beta(1.0, 12.0)),
        hand_unit=float(rng.uniform(0.07, 0.12)),
        finger_scale=1.0 + rng.normal(0.0, 0.06, 5),
        rest_angles=rng.normal(0.0, [15.0, 12.0, 10.0]),
        body_shift=np.array([rng.uniform(-0.08, 0.08), rng.uniform(-0.04, 0.08)]),
        body_scale=float(rng.uniform(0.85, 1.15)),
        style=rng.dirichlet(np.full(4, 0.8), size=26),
        sign_offset=np.array([rng.uniform(0.0, 0.1), rng.uniform(-0.17, -0.08)]),
    )


def _smoothstep(a: np.ndarray) -> np.ndarray:
    a = np.clip(a, 0.0, 1.0)
    return a * a * (3.0 - 2.0 * a)


def _rotations(yaw: np.ndarray, roll: np.ndarray, pitch: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations, one per frame (see handshapes.rotation)."""
    return np.stack([rotation(y, r, p) for y, r, p in zip(yaw, roll, pitch)])


def _keyframes(phrase: str, signer: Signer, rng: np.random.Generator):
    """Per character: shape (n, 21, 3) in hand units, angles (n, 3) and motion names."""
    exemplars = letter_exemplars()
    shapes, angles, motions = [], [], []
    for i, char in enumerate(phrase):
        sign = SIGNS[char]
        weights = rng.dirichlet(signer.style[_LETTERS.index(sign.base)] * 30.0 + 0.05)
        shape = np.tensordot(weights, exemplars[sign.base], axes=1)
        shape = scale_bones(shape, signer.finger_scale) + rng.normal(0.0, 0.03, (21, 3))
        shapes.append(shape)
        angles.append(signer.rest_angles + [sign.yaw, sign.roll, 0.0] + rng.normal(0.0, [4.0, 4.0, 3.0]))
        doubled = i > 0 and phrase[i - 1] == char and sign.motion == "none"
        motions.append("bounce" if doubled else sign.motion)
    return np.stack(shapes), np.stack(angles), motions


def _timeline(count: int, signer: Signer, rng: np.random.Generator):
    """Frame count, lead-in, per-character durations and their start frames."""
    frames_per_char = signer.frames_per_char * rng.lognormal(0.0, 0.15)
    durations = np.maximum(2.5, 0.87 * frames_per_char * rng.lognormal(0.0, 0.25, count))
    lead_in, lead_out = int(3 + rng.gamma(2.0, 4.0)), int(2 + rng.gamma(2.0, 3.5))
    starts = lead_in + np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    total = lead_in + int(round(durations.sum())) + lead_out
    return total, lead_in, lead_out, durations, starts


def _hand_track(phrase: str, signer: Signer, rng: np.random.Generator):
    """Dominant hand (T, 21, 3) in image coordinates, its wrist path and a per-frame speed."""
    shapes, angles, motions = _keyframes(phrase, signer, rng)
    count = len(phrase)
    total, lead_in, lead_out, durations, starts = _timeline(count, signer, rng)
    t = np.arange(total) + 0.5
    centers = starts + durations / 2
    u = np.interp(t, centers, np.arange(count)) if count > 1 else np.zeros(total)
    first = np.minimum(np.floor(u).astype(int), count - 1)
    second = np.minimum(first + 1, count - 1)
    g = _smoothstep((u - first - HOLD / 2) / (1 - HOLD))[:, None]
    shape = (1 - g[:, :, None]) * shapes[first] + g[:, :, None] * shapes[second]
    angle = (1 - g) * angles[first] + g * angles[second]
    own = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, count - 1)
    phase = np.clip((t - starts[own]) / durations[own], 0.0, 1.0)
    signing = (t >= lead_in) & (t < lead_in + durations.sum())
    offset, extra_roll = np.zeros((total, 3)), np.zeros(total)
    for name in set(motions):
        rows = signing & (np.array(motions)[own] == name)
        offset[rows], extra_roll[rows] = motion_offset(name, phase[rows])
    angle[:, 1] += extra_roll
    local = np.einsum("tij,tkj->tki", _rotations(angle[:, 0], angle[:, 1], angle[:, 2]), shape)
    side = -1.0 if not signer.left_dominant else 1.0  # image-x direction toward the body's centre
    if not signer.left_dominant:
        local[..., 0] *= -1.0  # the exemplars are as captured; a right hand is their mirror image
        offset[:, 0] *= -1.0
    wrist = _wrist_path(signer, t, total, lead_in, lead_out, offset, side, rng)
    hand = wrist[:, None, :] + signer.hand_unit * local
    hand[:, :, 2] = signer.hand_unit * local[:, :, 2]  # MediaPipe hand z is relative to the wrist
    speed = np.r_[0.0, np.linalg.norm(np.diff(hand[:, :, :2], axis=0), axis=-1).mean(axis=1)]
    return hand, wrist, speed, (lead_in, lead_out)


def _body(signer: Signer):
    face, pose = body_template()
    center = face[:, :2].mean(axis=0)
    face, pose = face.copy(), pose.copy()
    for part in (face, pose):
        part[:, :2] = center + signer.body_scale * (part[:, :2] - center) + signer.body_shift
    return face, pose


def _wrist_path(signer, t, total, lead_in, lead_out, offset, side, rng):
    _, pose = _body(signer)
    arm = LEFT_ARM if signer.left_dominant else RIGHT_ARM
    shoulder = pose[arm["shoulder"], :2]
    sign_at = shoulder + signer.body_scale * signer.sign_offset * [-side, 1.0]
    unit = signer.hand_unit
    progress = np.clip((t - lead_in) / max(1.0, total - lead_in - lead_out), 0.0, 1.0)
    phase = rng.uniform(0, 2 * np.pi, 2)
    wander = 0.15 * unit * np.stack([np.sin(2 * np.pi * t / 45 + phase[0]), np.sin(2 * np.pi * t / 60 + phase[1])], 1)
    path = sign_at + wander + unit * np.stack([-side * 0.3 * progress, 0.1 * progress], 1) + unit * offset[:, :2]
    rest = shoulder + signer.body_scale * np.array([0.0, 0.5])
    raised = np.minimum(_smoothstep(t / max(lead_in, 1)), _smoothstep((total - t) / max(lead_out, 1)))[:, None]
    xy = rest + raised * (path - rest)
    return np.concatenate([xy, np.zeros((total, 1))], axis=1)


def _markov_visibility(chance: np.ndarray, persistence: float, rng: np.random.Generator) -> np.ndarray:
    """Detected-or-not per frame: holds its state with `persistence`, else redraws with `chance[t]`."""
    visible = np.empty(chance.size, dtype=bool)
    state = rng.random() < chance[0]
    draws, keeps = rng.random(chance.size), rng.random(chance.size)
    for k in range(chance.size):
        if keeps[k] >= persistence:
            state = draws[k] < chance[k]
        visible[k] = state
    return visible


def render_sequence(phrase: str, signer: Signer, rng: np.random.Generator) -> np.ndarray:
    """One fingerspelled phrase as float32 `(frames, 543, 3)`, NaN where a part is undetected."""
    hand, wrist, speed, (lead_in, lead_out) = _hand_track(phrase, signer, rng)
    total = len(hand)
    face, pose = _body(signer)
    out = np.empty((total, NUM_LANDMARKS, 3), dtype=np.float64)
    head = 0.004 * np.sin(2 * np.pi * (np.arange(total)[:, None] / 70.0 + rng.uniform(0, 1, 2)))
    face_frames = np.repeat(face[None], total, 0)
    face_frames[:, :, :2] += head[:, None, :]
    out[:, :468] = face_frames.astype(np.float16)  # MediaPipe-like sub-pixel precision; compresses well
    out[:, PART_OFFSET["pose"]:PART_OFFSET["pose"] + 33] = _pose_track(pose, hand, signer, head, rng)
    hand = hand + rng.normal(0.0, 0.0015, (total, 1, 3)) * [1, 1, 0]
    hand += rng.normal(0.0, [0.001, 0.001, 0.004], hand.shape)
    other = _resting_hand(signer, pose, total, rng)
    dominant, resting = ("left_hand", "right_hand") if signer.left_dominant else ("right_hand", "left_hand")
    moving = speed / max(speed[lead_in:total - lead_out].mean() if total - lead_out > lead_in else 1.0, 1e-9)
    t = np.arange(total) + 0.5
    raised = np.minimum(np.clip((t - lead_in + 2) / 3, 0, 1), np.clip((total - lead_out - t + 2) / 3, 0, 1))
    visibility = np.clip(signer.visibility + rng.normal(0.0, 0.12), 0.1, 0.99)
    chance = visibility * np.clip(1.35 - 0.45 * moving, 0.3, 1.0) * raised
    shown = _markov_visibility(np.clip(chance, 0.0, 0.99), 0.6, rng)
    rest_shown = _markov_visibility(np.full(total, signer.other_visibility), 0.9, rng)
    for part, points, visible in ((dominant, hand, shown), (resting, other, rest_shown)):
        block = slice(PART_OFFSET[part], PART_OFFSET[part] + 21)
        out[:, block] = points
        out[~visible, block] = np.nan
    return out.astype(np.float32)


def _pose_track(pose, hand, signer, head, rng):
    total = len(hand)
    frames = np.repeat(pose[None], total, 0)
    frames[:, :, :2] += 0.6 * head[:, None, :]
    arm = LEFT_ARM if signer.left_dominant else RIGHT_ARM
    wrist = hand[:, 0, :2] + rng.normal(0, 0.006, 2)
    frames[:, arm["wrist"], :2] = wrist
    for name, point in (("pinky", 17), ("index", 5), ("thumb", 2)):
        frames[:, arm[name], :2] = wrist + 0.7 * (hand[:, point, :2] - hand[:, 0, :2])
    shoulder = frames[:, arm["shoulder"], :2]
    outward = 1.0 if signer.left_dominant else -1.0
    frames[:, arm["elbow"], :2] = shoulder + 0.45 * (wrist - shoulder) + signer.body_scale * np.array(
        [0.08 * outward, 0.2])
    frames[:, :, :2] += rng.normal(0.0, 0.003, (total, 33, 2))
    frames[:, :, 2] += rng.normal(0.0, 0.05, (total, 33))  # pose z is the noisiest coordinate
    return frames


def _resting_hand(signer, pose, total, rng):
    arm = RIGHT_ARM if signer.left_dominant else LEFT_ARM
    at = pose[arm["shoulder"], :2] + signer.body_scale * np.array([0.0, 0.42])
    shape = letter_exemplars()["b"].mean(axis=0) @ rotation(roll=180.0).T
    if signer.left_dominant:
        shape[:, 0] *= -1.0
    hand = np.empty((total, 21, 3))
    hand[:, :, :2] = at + signer.hand_unit * shape[:, :2]
    hand[:, :, 2] = signer.hand_unit * shape[:, 2]
    return hand + rng.normal(0.0, [0.002, 0.002, 0.005], hand.shape)
