"""Synthetic fingerspelling in the Kaggle layout: faithful to real signers rather than easy to read.

A signer has a handedness, a hand drawn from the space of the real signers (handshapes.SignerHands), a
pace that drifts within a phrase, a habit of holding letters longer or shorter, a body and a camera
(distance, portrait or landscape aspect ratio, roll) and a MediaPipe run (detection rate, jitter in
proportion to the hand's size, noisy z, left/right label swaps). A phrase is a chain of keyframes: each
character's shape held for a variable part of its span, then blended into the next; fast letters are
partly skipped (the hand turns toward the next shape before it reaches this one). A space is no sign:
the hand relaxes and drifts on. The other hand rests low, moves, and is sometimes raised and seen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fingerspell.synth.handshapes import (MOTION_SIZE, SIGNS, SignerHands, body_template, motion_offset, rotation,
                                         smoothstep)
from fingerspell.layout import ARM, NUM_LANDMARKS, part_slice

# the hand's onset, from real clips (bench/onset.py): first detected about 1.7 hand lengths short of where it
# signs (the median over detection delays that DETECTED_WITHIN allows for), the letter taking shape over
# about the last FORMING_FRAMES frames of the rise (real: formed 0.08 to 0.16 s after the first detection)
DETECTED_WITHIN, FORMING_FRAMES = 2.5, 6.0
HOLD_RANGE = (0.2, 0.6)  # a signer's usual fraction of a letter's span spent holding its shape
ASPECTS = ((9 / 16, 0.45), (3 / 4, 0.15), (16 / 9, 0.3), (4 / 3, 0.1))  # (width / height, share of cameras)
# doubled letters whose handshape is closed (a fist, or fingertips meeting) are mostly bounced, not slid
BOUNCED = frozenset("aemnost0")
TEMPLATE_ASPECT = 9 / 16  # width / height of the video the body template came from (a portrait phone)


@dataclass(frozen=True)
class Signer:
    participant_id: int
    left_dominant: bool
    frames_per_char: float  # whole-sequence frames per character, 5 to 13 (corpus median 8.9)
    pace_drift: float  # std of the log pace from letter to letter within a phrase
    hold: float  # usual fraction of a letter's span held still
    visibility: float  # chance the dominant hand is detected mid-phrase
    other_visibility: float  # chance the resting hand is detected
    swap_rate: float  # chance a sequence has bursts of left/right label swaps
    hand_unit: float  # wrist-to-middle-knuckle length in image-height units: distance to the camera
    hands: SignerHands
    rest_angles: np.ndarray  # (3,) yaw, roll, pitch of the wrist at rest, degrees
    body_shift: np.ndarray  # (2,) image offset of the body
    body_scale: float
    sign_offset: np.ndarray  # (2,) where the hand signs, relative to the shoulder, body units
    aspect: float  # the camera's width / height
    camera_roll: float  # degrees


def make_signer(rng: np.random.Generator, participant_id: int, sources: tuple[str, ...] | None = None) -> Signer:
    """A random signer whose hands come from the real `sources` (default: every signer in the bank)."""
    aspects, shares = zip(*ASPECTS)
    return Signer(
        participant_id=participant_id,
        left_dominant=bool(rng.random() < 0.12),
        frames_per_char=float(np.clip(rng.lognormal(np.log(8.9), 0.24), 5.0, 13.0)),
        pace_drift=float(rng.uniform(0.05, 0.3)),
        hold=float(rng.uniform(*HOLD_RANGE)),
        visibility=float(np.clip(rng.beta(5.0, 2.0), 0.25, 0.97)),
        other_visibility=float(rng.beta(1.0, 20.0)),
        swap_rate=float(rng.beta(1.0, 4.0)),
        hand_unit=float(rng.uniform(0.07, 0.12)),
        hands=SignerHands(rng, sources),
        rest_angles=rng.normal(0.0, [15.0, 12.0, 10.0]),
        body_shift=np.array([rng.uniform(-0.08, 0.08), rng.uniform(-0.04, 0.08)]),
        body_scale=float(rng.uniform(0.85, 1.15)),
        sign_offset=np.array([rng.uniform(0.0, 0.1), rng.uniform(-0.17, -0.08)]),
        aspect=float(aspects[rng.choice(len(aspects), p=shares)] * rng.uniform(0.97, 1.03)),
        camera_roll=float(rng.normal(0.0, 4.0)),
    )


def _rotations(yaw: np.ndarray, roll: np.ndarray, pitch: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations, one per frame (see handshapes.rotation)."""
    return np.stack([rotation(y, r, p) for y, r, p in zip(yaw, roll, pitch)])


def timeline(phrase: str, signer: Signer, rng: np.random.Generator):
    """Per character: duration and start (frames), hold fraction and reach; plus lead-in and lead-out."""
    count = len(phrase)
    pace = np.exp(np.cumsum(rng.normal(0.0, signer.pace_drift, count)) * 0.6)  # drifts within the phrase
    pace /= np.exp(np.log(pace).mean())
    base = signer.frames_per_char * rng.lognormal(0.0, 0.15)
    kind = np.array([1.5 if c in "jz" else 1.3 if SIGNS[c].motion not in ("none", "space") else
                     rng.uniform(0.3, 1.5) if c == " " else 1.0 for c in phrase])
    durations = np.maximum(2.0, 0.87 * base * pace * kind * rng.lognormal(0.0, 0.2, count))
    hold = np.clip(rng.normal(signer.hold, 0.1, count), 0.02, 0.8) * np.clip(durations / 9.0, 0.3, 1.0)
    reach = np.clip(0.4 + 0.13 * durations, 0.6, 1.0)  # fast letters are partly skipped
    lead_in, lead_out = int(3 + rng.gamma(2.0, 4.0)), int(2 + rng.gamma(2.0, 3.5))
    starts = lead_in + np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    total = lead_in + int(round(durations.sum())) + lead_out
    return total, lead_in, lead_out, durations, starts, hold, reach


def _keyframes(phrase: str, signer: Signer, reach: np.ndarray, rng: np.random.Generator):
    """Per character: the shape it reaches (n, 21, 3) in hand units, wrist angles (n, 3), motion names;
    and the relaxed shape the hand rises from and falls back to (21, 3)."""
    shapes, angles, motions = [], [], []
    relaxed = previous = signer.hands.shape("rest", rng)
    for i, char in enumerate(phrase):
        sign = SIGNS[char]
        shape = signer.hands.shape(sign.shape, rng)
        if sign.shape == "rest":
            shape = 0.5 * previous + 0.5 * shape  # a space: the last letter relaxes, no shape of its own
        shape = previous + reach[i] * (shape - previous)
        shapes.append(shape)
        angles.append(signer.rest_angles + rng.normal(0.0, [6.0, 6.0, 5.0]))
        motions.append(sign.motion)
        previous = shape
    return np.stack(shapes), np.stack(angles), motions, relaxed


def hand_track(phrase: str, signer: Signer, rng: np.random.Generator):
    """Dominant hand (T, 21, 3) in image coordinates, a per-frame speed, the lead-in/out and the approach:
    how far the hand is from where it signs, in units of the distance at which it is first detected (under
    1: close enough to be seen). The hand rises from rest into the first letter, shaping it on the way, as
    real clips show (bench/onset.py), and falls back relaxing after the last."""
    total, lead_in, lead_out, durations, starts, hold, reach = timeline(phrase, signer, rng)
    shapes, angles, motions, relaxed = _keyframes(phrase, signer, reach, rng)
    count = len(phrase)
    t = np.arange(total) + 0.5
    centers = starts + durations / 2
    u = np.interp(t, centers, np.arange(count)) if count > 1 else np.zeros(total)
    first = np.minimum(np.floor(u).astype(int), count - 1)
    second = np.minimum(first + 1, count - 1)
    leave, arrive = hold[first] / 2, hold[second] / 2
    g = smoothstep((u - first - leave) / np.maximum(1 - leave - arrive, 1e-3))[:, None]
    shape = (1 - g[:, :, None]) * shapes[first] + g[:, :, None] * shapes[second]
    angle = (1 - g) * angles[first] + g * angles[second]
    own = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, count - 1)
    phase = np.clip((t - starts[own]) / durations[own], 0.0, 1.0)
    signing = (t >= lead_in) & (t < lead_in + durations.sum())
    offset, turn = np.zeros((total, 3)), np.zeros((total, 3))
    size = rng.uniform(*MOTION_SIZE, count)  # how large this signer traces each J or Z
    for name in set(motions):
        rows = signing & (np.array(motions)[own] == name)
        offset[rows], turn[rows] = motion_offset(name, phase[rows], size[own[rows]])
    offset[:, 0] += _space_drift(phrase, starts, durations, t, rng)
    moved, nod = _doubled_letters(phrase, starts, durations, t, rng)
    offset[:, :2] += moved
    angle += turn + nod
    side = 1.0 if signer.left_dominant else -1.0  # image-x direction toward the body's centre
    if signer.left_dominant:
        offset[:, 0] *= -1.0
    wrist, below = _wrist_path(signer, t, total, lead_in, lead_out, offset, side, rng)
    # first detected this many hand lengths short of where it signs (real clips: 1.2 to 2.8, median 1.7)
    approach = below / float(np.clip(rng.lognormal(np.log(DETECTED_WITHIN), 0.35), 1.0, 5.0))
    # the first letter takes shape over the last frames of the rise, done just after the hand arrives; the
    # last relaxes as the hand falls
    forming = np.minimum(smoothstep((t - lead_in - 1 + FORMING_FRAMES) / FORMING_FRAMES),
                         smoothstep((total - lead_out + FORMING_FRAMES - t) / FORMING_FRAMES))[:, None, None]
    shape = relaxed + forming * (shape - relaxed)
    local = np.einsum("tij,tkj->tki", _rotations(angle[:, 0], angle[:, 1], angle[:, 2]), shape)
    if signer.left_dominant:
        local[..., 0] *= -1.0  # the bank holds right hands; a left hand is their mirror image
    hand = wrist[:, None, :] + signer.hand_unit * local
    hand[:, :, 2] = signer.hand_unit * local[:, :, 2]  # MediaPipe hand z is relative to the wrist
    speed = np.r_[0.0, np.linalg.norm(np.diff(hand[:, :, :2], axis=0), axis=-1).mean(axis=1)]
    return hand, speed, (lead_in, lead_out), approach


def _space_drift(phrase, starts, durations, t, rng) -> np.ndarray:
    """x offset (hand units): at each space the hand steps on sideways (signers move along as they spell)."""
    drift = np.zeros_like(t)
    for i, char in enumerate(phrase):
        if char == " ":
            drift += rng.uniform(0.3, 1.3) * smoothstep((t - starts[i]) / durations[i])
    return -drift


def _doubled_letters(phrase, starts, durations, t, rng) -> tuple[np.ndarray, np.ndarray]:
    """Wrist offset (T, 2) in hand units and extra turn (T, 3) that show a doubled letter as signers show it,
    between the two holds: a slide towards the little-finger side that stays (the next letters are signed
    from there), or a bounce (the hand dips and comes back, the wrist nodding). Closed handshapes are mostly
    bounced, open ones mostly slid; a run ("www") repeats one way. Without either the two are one held shape."""
    moved, nod = np.zeros((len(t), 2)), np.zeros((len(t), 3))
    centres, way = starts + durations / 2, None
    for i in range(1, len(phrase)):
        if phrase[i] != phrase[i - 1] or SIGNS[phrase[i]].motion != "none":
            way = None
            continue
        if way is None:
            way = "slide" if rng.random() < (0.25 if phrase[i] in BOUNCED else 0.75) else "bounce"
        begin = centres[i - 1] + 0.25 * durations[i - 1]
        s = np.clip((t - begin) / max(centres[i] - 0.25 * durations[i] - begin, 2.0), 0.0, 1.0)
        if way == "slide":  # image left for a right hand (its little finger); a left hand's is mirrored later
            moved[:, 0] -= rng.uniform(0.3, 0.9) * smoothstep(s)
        else:
            bump = np.sin(np.pi * s)
            moved[:, 1] += rng.uniform(0.15, 0.45) * bump  # image y grows downward: a dip
            nod[:, 2] += rng.uniform(-12.0, 12.0) * bump  # a small nod of the wrist, either way
    return moved, nod


def _body(signer: Signer):
    """The signer's face (468, 3) and pose (33, 3) in world coordinates (image-height units)."""
    face, pose = body_template()
    face, pose = face.copy(), pose.copy()
    for part in (face, pose):  # the template is image-normalised: undo its portrait aspect ratio
        part[:, 0] = 0.5 + (part[:, 0] - 0.5) * TEMPLATE_ASPECT
    center = face[:, :2].mean(axis=0)
    for part in (face, pose):
        part[:, :2] = center + signer.body_scale * (part[:, :2] - center) + signer.body_shift
    return face, pose


def _wrist_path(signer, t, total, lead_in, lead_out, offset, side, rng):
    _, pose = _body(signer)
    arm = ARM["left" if signer.left_dominant else "right"]
    shoulder = pose[arm["shoulder"], :2]
    sign_at = shoulder + signer.body_scale * signer.sign_offset * [-side, 1.0]
    unit = signer.hand_unit
    progress = np.clip((t - lead_in) / max(1.0, total - lead_in - lead_out), 0.0, 1.0)
    phase = rng.uniform(0, 2 * np.pi, 2)
    wander = 0.25 * unit * np.stack([np.sin(2 * np.pi * t / 45 + phase[0]), np.sin(2 * np.pi * t / 60 + phase[1])], 1)
    path = sign_at + wander + unit * np.stack([-side * 0.3 * progress, 0.1 * progress], 1) + unit * offset[:, :2]
    rest = shoulder + signer.body_scale * np.array([0.0, 0.5])
    raised = np.minimum(smoothstep(t / max(lead_in, 1)), smoothstep((total - t) / max(lead_out, 1)))[:, None]
    xy = rest + raised * (path - rest)
    below = (1.0 - raised[:, 0]) * np.linalg.norm(path - rest, axis=1) / unit  # hand lengths from the path
    return np.concatenate([xy, np.zeros((total, 1))], axis=1), below


def _markov_visibility(chance: np.ndarray, persistence: float, rng: np.random.Generator,
                       fresh: np.ndarray | None = None) -> np.ndarray:
    """Detected-or-not per frame: holds its state with `persistence`, else redraws with `chance[t]`; at the
    `fresh` frames it always redraws (the hand comes within the detector's reach)."""
    visible = np.empty(chance.size, dtype=bool)
    state = rng.random() < chance[0]
    draws, keeps = rng.random(chance.size), rng.random(chance.size)
    fresh = np.zeros(chance.size, dtype=bool) if fresh is None else fresh
    for k in range(chance.size):
        if keeps[k] >= persistence or fresh[k]:
            state = draws[k] < chance[k]
        visible[k] = state
    return visible


def render_sequence(phrase: str, signer: Signer, rng: np.random.Generator) -> np.ndarray:
    """One fingerspelled phrase as float32 `(frames, 543, 3)`, NaN where a part is undetected."""
    hand, speed, (lead_in, lead_out), approach = hand_track(phrase, signer, rng)
    total, unit = len(hand), signer.hand_unit
    face, pose = _body(signer)
    out = np.empty((total, NUM_LANDMARKS, 3), dtype=np.float64)
    sway = 0.006 * np.sin(2 * np.pi * (np.arange(total)[:, None] / rng.uniform(50, 90) + rng.uniform(0, 1, 2)))
    face_frames = np.repeat(face[None], total, 0)
    face_frames[:, :, :2] += sway[:, None, :]
    out[:, part_slice("face")] = face_frames
    out[:, part_slice("pose")] = _pose_track(pose, hand, signer, sway, rng)
    hand = hand + rng.normal(0.0, 0.04 * unit, (total, 1, 3)) * [1, 1, 0]  # the whole hand shifts a little
    hand += rng.normal(0.0, [0.02 * unit, 0.02 * unit, 0.08 * unit], hand.shape)  # per point; z is the noisiest
    other, other_up = _other_hand(signer, pose, total, rng)
    moving = speed / max(speed[lead_in:total - lead_out].mean() if total - lead_out > lead_in else 1.0, 1e-9)
    moving[:lead_in] = 1.0  # rising into the first letter: seen as real clips show it (bench/onset.py)
    t = np.arange(total) + 0.5
    # seen once within reach while rising; lost within two frames of the last letter's end (no real clip shows
    # the hand falling: the published share of frames without a hand is what calibrates this end)
    rising, in_reach = t < lead_in, approach < 1.0
    reach = np.where(rising, in_reach, np.clip((total - lead_out - t + 2) / 3, 0, 1))
    visibility = np.clip(signer.visibility + rng.normal(0.0, 0.22), 0.05, 0.99)
    chance = visibility * np.clip(1.35 - 0.45 * moving, 0.3, 1.0) * reach
    within = in_reach & rising
    arrives = np.r_[within[0], within[1:] & ~within[:-1]]  # the first frame in reach, rising
    shown = _markov_visibility(np.clip(chance, 0.0, 0.99), 0.6, rng, fresh=arrives)
    other_chance = np.clip(signer.other_visibility * (1.0 + 3.0 * other_up), 0.0, 0.9)
    other_shown = _markov_visibility(other_chance, 0.9, rng)
    dominant, resting = ("left_hand", "right_hand") if signer.left_dominant else ("right_hand", "left_hand")
    for part, points, visible in ((dominant, hand, shown), (resting, other, other_shown)):
        block = part_slice(part)
        out[:, block] = points
        out[~visible, block] = np.nan
    _swap_labels(out, signer, rng)
    out[..., :2] = _camera(out[..., :2], signer, rng)
    out[:, :, 2] /= signer.aspect  # MediaPipe's z has the scale of normalised x
    out[:, part_slice("face")] = out[:, part_slice("face")].astype(np.float16)  # MediaPipe-like sub-pixel precision; compresses well
    return out.astype(np.float32)


def _camera(xy: np.ndarray, signer: Signer, rng: np.random.Generator) -> np.ndarray:
    """World coordinates (image-height units, isotropic) -> image-normalised: a slight roll about the
    centre, then x divided by the image's width / height, as normalised x is divided by the width."""
    angle = np.radians(signer.camera_roll + rng.normal(0.0, 1.0))
    c, s = np.cos(angle), np.sin(angle)
    x, y = xy[..., 0] - 0.5, xy[..., 1] - 0.5
    return 0.5 + np.stack([(c * x - s * y) / signer.aspect, s * x + c * y], axis=-1)


def _swap_labels(out: np.ndarray, signer: Signer, rng: np.random.Generator) -> None:
    """MediaPipe's left/right label swaps: for bursts of frames, a hand is reported under the other label."""
    if rng.random() >= signer.swap_rate:
        return
    total = len(out)
    left, right = part_slice("left_hand"), part_slice("right_hand")
    for _ in range(1 + rng.poisson(1.0)):
        start = int(rng.integers(total))
        stop = min(total, start + int(rng.integers(1, 8)))
        out[start:stop, left], out[start:stop, right] = out[start:stop, right].copy(), out[start:stop, left].copy()


def _pose_track(pose, hand, signer, sway, rng):
    total = len(hand)
    frames = np.repeat(pose[None], total, 0)
    frames[:, :, :2] += sway[:, None, :]
    arm = ARM["left" if signer.left_dominant else "right"]
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


def _other_hand(signer, pose, total, rng):
    """The non-dominant hand (T, 21, 3) and how raised it is per frame (0 = resting low, 1 = at the chest).

    It rests low with a relaxed shape, wanders, and in some sequences rises toward the chest for a while."""
    arm = ARM["right" if signer.left_dominant else "left"]
    low = pose[arm["shoulder"], :2] + signer.body_scale * np.array([0.0, 0.42])
    chest = pose[arm["shoulder"], :2] + signer.body_scale * np.array([0.05 if not signer.left_dominant else -0.05, 0.22])
    t = np.arange(total)
    up = np.zeros(total)
    if rng.random() < 0.2:
        start, length = rng.integers(0, max(1, total - 5)), rng.integers(10, max(11, total))
        up = smoothstep((t - start) / 6.0) * smoothstep((start + length - t) / 6.0)
    wander = 0.3 * signer.hand_unit * np.sin(2 * np.pi * t[:, None] / rng.uniform(40, 90, 2) + rng.uniform(0, 6, 2))
    at = low + up[:, None] * (chest - low) + wander
    shape = signer.hands.shape("rest", rng) @ rotation(roll=180.0 - 60.0 * rng.random()).T
    if not signer.left_dominant:
        shape[:, 0] *= -1.0  # the bank holds right hands; this is the left one
    hand = np.empty((total, 21, 3))
    hand[:, :, :2] = at[:, None, :] + signer.hand_unit * shape[None, :, :2]
    hand[:, :, 2] = signer.hand_unit * shape[:, 2]
    return hand + rng.normal(0.0, [0.02 * signer.hand_unit] * 2 + [0.08 * signer.hand_unit], hand.shape), up
