"""Handshapes and movements of the 59 characters, drawn from real signers, for the synthetic generator.

Letters come from a bank of real MediaPipe hands (assets/handshapes.npz, made by tools/make_assets.py from
the real signers in ../shared/data/real_letters): per source signer and letter, up to 24 real frames in a
canonical frame (a right hand as an unmirrored camera sees it, wrist at the origin, wrist-to-middle-knuckle
length 1). A synthetic signer's letter is a blend of the sources' exemplars with the signer's own weights,
plus the signer's bone lengths and a per-letter "accent", so signers differ the way real people do.

Digits and hand proportions come from a second bank (assets/digit_hands.npz, tools/make_digit_assets.py):
photos of the ASL number handshapes 0-9 by 218 people. A synthetic signer's digits blend a few of those
people's shapes, and its bones take one real person's lengths, so new signers' hands fall inside the range
of many real people, not of four. The people held out for the real-digit test are never drawn.

Nothing here is invented to make characters easier to tell apart:
- digits are real ASL number handshapes, so 0/o, 2/v, 6/w and 9/f look alike, as they do for real signers;
- a space is no sign: the hand pauses and relaxes while it drifts on (see synthetic.py);
- punctuation is traced in the air with the index hand ('-' a stroke, '/' a slash, '.' a poke, '@' a circle).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from fingerspell.layout import FINGER_CHAINS, PALM_POINTS
from fingerspell.vocab import CHARACTERS

LETTERS = "abcdefghijklmnopqrstuvwxyz"
BANK_FILE = "assets/handshapes.npz"

DIGIT_BANK_FILE = "assets/digit_hands.npz"
DIGITS = "0123456789"
DIGIT_PEOPLE_PER_SIGNER = 3  # whose number shapes one synthetic signer blends
_TRACED = {"-": "hline", "_": "lowline", "/": "diag", ".": "poke", ",": "hook", ":": "double-poke",
           ";": "hook", "!": "drop", "?": "hook", "#": "cross", "+": "cross", "@": "circle", "&": "circle",
           "%": "diag", "(": "arc-left", ")": "arc-right", "[": "vline", "~": "wave", "=": "hline", "*": "cross",
           "'": "poke", "$": "vline"}


@dataclass(frozen=True)
class Sign:
    shape: str  # a letter, a digit ("1" = the index hand that traces symbols) or "rest" (a space)
    motion: str = "none"


SIGNS: dict[str, Sign] = {
    c: Sign(c, "j" if c == "j" else "z" if c == "z" else "none") if c in LETTERS
    else Sign(c) if c in DIGITS else Sign("rest", "space") if c == " " else Sign("1", _TRACED.get(c, "poke"))
    for c in CHARACTERS}


@lru_cache(maxsize=1)
def shape_bank() -> dict[str, dict[str, np.ndarray]]:
    """source signer -> letter -> (k, 21, 3) float64 real canonical handshapes."""
    with resources.files("fingerspell").joinpath(BANK_FILE).open("rb") as handle:
        data = np.load(handle, allow_pickle=False)
        bank = {}
        for key in data.files:
            source, kind = key.split("/")
            if kind == "shapes":
                letters = data[f"{source}/letters"]
                shapes = data[key].astype(np.float64)
                bank[source] = {c: shapes[letters == i] for i, c in enumerate(LETTERS) if (letters == i).any()}
    return bank


@dataclass(frozen=True)
class DigitBank:
    """Real number handshapes of many people: shapes (n, 21, 3) canonical, digits (n,), people (n,), and
    bones (people, 20): each person's median bone lengths in palm units."""
    shapes: np.ndarray
    digits: np.ndarray
    people: np.ndarray
    bones: np.ndarray
    person_ids: np.ndarray


@lru_cache(maxsize=2)
def digit_bank(held_out: bool = False) -> DigitBank:
    """The generator's people (default), or those kept out of it for the real-digit test."""
    with resources.files("fingerspell").joinpath(DIGIT_BANK_FILE).open("rb") as handle:
        data = np.load(handle, allow_pickle=False)
        keep = data["held_out"] == held_out
        shapes, digits, people = data["shapes"][keep].astype(np.float64), data["digits"][keep], data["people"][keep]
    person_ids = np.unique(people)
    lengths = bone_lengths(shapes)
    bones = np.stack([np.median(lengths[people == p], axis=0) for p in person_ids])
    return DigitBank(shapes, digits, people, bones, person_ids)


def bone_lengths(hands: np.ndarray) -> np.ndarray:
    """(..., 21, 3) -> (..., 20): the length of each bone, finger by finger from the wrist."""
    pairs = [(a, b) for chain in FINGER_CHAINS for a, b in zip(chain[:-1], chain[1:])]
    return np.stack([np.linalg.norm(hands[..., b, :] - hands[..., a, :], axis=-1) for a, b in pairs], axis=-1)


def with_bone_lengths(shape: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A (21, 3) hand rebuilt from the wrist out with each bone's direction kept and its length set."""
    out = shape.copy()
    bone = 0
    for chain in FINGER_CHAINS:
        for parent, child in zip(chain[:-1], chain[1:]):
            direction = shape[child] - shape[parent]
            out[child] = out[parent] + lengths[bone] * direction / max(np.linalg.norm(direction), 1e-9)
            bone += 1
    return out


@lru_cache(maxsize=1)
def body_template() -> tuple[np.ndarray, np.ndarray]:
    """A real Holistic frame: face (468, 3) and pose (33, 3), image-normalised."""
    text = resources.files("fingerspell").joinpath("assets/body_template.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return np.asarray(data["face"], dtype=np.float64), np.asarray(data["pose"], dtype=np.float64)


def canonical_hands(hands: np.ndarray, mirror: bool) -> np.ndarray:
    """Image hands `(N, 21, 3)` -> canonical: wrist at the origin, palm length 1, mirrored if asked."""
    out = hands.astype(np.float64) - hands[:, :1]
    if mirror:
        out[..., 0] *= -1.0
    palm = np.linalg.norm(out[:, 9], axis=-1)
    return out / np.maximum(palm, 1e-6)[:, None, None]


def is_mirrored(hands: np.ndarray, letters: np.ndarray) -> bool:
    """True when a source's hands are not a right hand as an unmirrored camera sees it: for the flat B
    hand facing the camera, the index knuckle then lies to the image right of the little finger's."""
    flat = hands[letters == "b"] if (letters == "b").any() else hands
    return bool(np.median(flat[:, 5, 0] - flat[:, 17, 0]) < 0)


def rotation(yaw: float = 0.0, roll: float = 0.0, pitch: float = 0.0) -> np.ndarray:
    """3x3 rotation (degrees): pitch about x, then yaw about y, then roll about z (image plane)."""
    a, b, c = np.radians([pitch, yaw, roll])
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def align(shape: np.ndarray, onto: np.ndarray) -> np.ndarray:
    """`shape` (21, 3) rotated about its wrist so its palm best matches `onto`'s (Kabsch)."""
    a, b = shape[list(PALM_POINTS)], onto[list(PALM_POINTS)]
    u, _, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(u @ vt))
    return shape @ (u @ np.diag([1.0, 1.0, d]) @ vt)


def scale_bones(shape: np.ndarray, finger_scale: np.ndarray) -> np.ndarray:
    """Rebuild a (21, 3) hand with each finger's bones scaled by `finger_scale[finger]` (5 values)."""
    out = shape.copy()
    for finger, chain in enumerate(FINGER_CHAINS):
        for parent, child in zip(chain[:-1], chain[1:]):
            out[child] = out[parent] + finger_scale[finger] * (shape[child] - shape[parent])
    return out


class SignerHands:
    """One synthetic signer's handshapes: a personal blend of the real source signers, own bone lengths
    and a small personal accent per shape. `shape(char_shape, rng)` draws one occurrence."""

    def __init__(self, rng: np.random.Generator, sources: tuple[str, ...] | None = None):
        bank = shape_bank()
        self.sources = tuple(sorted(sources or bank))
        missing = [s for s in self.sources if s not in bank]
        if missing or not self.sources:
            raise ValueError(f"unknown handshape sources {missing}; the bank has {sorted(bank)}")
        self.bank = {s: bank[s] for s in self.sources}
        self.mix = rng.dirichlet(np.full(len(self.sources), 0.6))
        self.finger_scale = 1.0 + rng.normal(0.0, 0.03, 5)
        self.accent = {c: rng.normal(0.0, 0.05, (21, 3)) for c in LETTERS + DIGITS}
        self.letter_mix = {c: rng.dirichlet(self.mix * 8.0 + 0.05) for c in LETTERS}
        digits = digit_bank()
        # one real person's proportions (each bone against the photos' people's median: the photos' MediaPipe
        # and the letter signers' measure bones a little differently, so only the ratios travel), and a few
        # people's number shapes
        self.bone_scale = digits.bones[rng.integers(len(digits.person_ids))] / np.median(digits.bones, axis=0)
        self.digit_people = rng.choice(digits.person_ids, DIGIT_PEOPLE_PER_SIGNER, replace=False)
        self.digit_mix = rng.dirichlet(np.full(DIGIT_PEOPLE_PER_SIGNER, 0.8))
        # the photos' people held their phones their own way: a signer's digits face as its letters do, so
        # the hand's angle says nothing about digit or letter (real signers hold both alike)
        self.palm_frame = self.letter("b", rng)

    def letter(self, letter: str, rng: np.random.Generator) -> np.ndarray:
        """One real-based occurrence of a letter `(21, 3)` in hand units."""
        weights = rng.dirichlet(self.letter_mix[letter] * 20.0 + 0.02)
        picks = []
        for source in self.sources:
            options = self.bank[source].get(letter)
            picks.append(options[rng.integers(len(options))] if options is not None else None)
        reference = next(p for p in picks if p is not None)
        total, blend = 0.0, np.zeros((21, 3))
        for weight, pick in zip(weights, picks):
            if pick is not None:  # align palms first so that a blend does not shrink the hand
                blend += weight * align(pick, reference)
                total += weight
        blend /= total
        return self.personal(blend, letter, rng)

    def personal(self, shape: np.ndarray, name: str, rng: np.random.Generator) -> np.ndarray:
        """A shape given this signer's bones, its accent for `name`, and this occurrence's jitter."""
        shape = with_bone_lengths(shape, bone_lengths(shape) * self.bone_scale)
        shape = scale_bones(shape, self.finger_scale) + self.accent[name]
        return shape + rng.normal(0.0, 0.02, (21, 3))

    def digit(self, digit: str, rng: np.random.Generator) -> np.ndarray:
        """One occurrence of a number handshape: a blend of this signer's real digit people's shapes."""
        bank = digit_bank()
        weights = rng.dirichlet(self.digit_mix * 20.0 + 0.02)
        total, blend, reference = 0.0, np.zeros((21, 3)), None
        for weight, person in zip(weights, self.digit_people):
            options = bank.shapes[(bank.people == person) & (bank.digits == int(digit))]
            if len(options) == 0:  # this person's photo of the digit had no hand found
                continue
            pick = options[rng.integers(len(options))]
            reference = pick if reference is None else reference
            blend += weight * align(pick, reference)
            total += weight
        if reference is None:  # none of the signer's people: any generator person's
            options = bank.shapes[bank.digits == int(digit)]
            blend, total = options[rng.integers(len(options))].copy(), 1.0
        return self.personal(align(blend / total, self.palm_frame), digit, rng)

    def shape(self, name: str, rng: np.random.Generator) -> np.ndarray:
        """A letter, a digit's number handshape, "1" (the tracing hand) or "rest" (a relaxed open hand)."""
        if name in LETTERS:
            return self.letter(name, rng)
        if name == "rest":
            return 0.5 * self.letter("b", rng) + 0.5 * self.letter("c", rng)
        return self.digit(name, rng)


def _envelope(p):
    return np.sin(np.pi * np.clip(p, 0, 1))


# J and Z as real signers trace them (right hand, image coordinates, hand units; bench/motion.py compares them
# with the real clips): the pinky drops, hooks to the signer's left and comes up while the wrist turns and stays
# turned; the index draws a Z the signer reads (top stroke to their right, i.e. image left), wider than the
# hand, the end held. Real tracings differ in size between signers (the tip travels 1.3 to 3 palm lengths), so
# each occurrence is drawn at its own `size`.
MOTION_SIZE = (0.6, 1.4)
_J_KNOTS = (0.0, 0.08, 0.35, 0.6, 0.9, 1.0)
_J_PATH = ((0.0, 0.0), (0.0, 0.0), (-1.6, 0.4), (0.1, 1.4), (0.1, 1.4), (0.0, 0.0))
_J_TURN = ((0.0, 0.0), (0.0, 0.0), (15.0, 20.0), (45.0, -60.0), (45.0, -60.0), (0.0, 0.0))  # (yaw, roll)
_Z_KNOTS = (0.0, 0.06, 0.24, 0.42, 0.6, 0.9, 1.0)
_Z_PATH = ((0.0, 0.0), (0.0, 0.0), (-1.1, 0.0), (0.0, 1.5), (-1.1, 1.5), (-1.1, 1.5), (0.0, 0.0))


def smoothstep(a: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, an S-curve between: eases a movement in and out."""
    a = np.clip(a, 0.0, 1.0)
    return a * a * (3.0 - 2.0 * a)


def _traced(p: np.ndarray, knots, points, size) -> np.ndarray:
    """Piecewise-linear path through `points` at phases `knots`, eased at the knots, times `size`."""
    points = np.asarray(points, dtype=np.float64)
    segment = np.clip(np.searchsorted(knots, p, side="right") - 1, 0, len(knots) - 2)
    start, stop = np.asarray(knots)[segment], np.asarray(knots)[segment + 1]
    a = smoothstep((p - start) / np.maximum(stop - start, 1e-9))
    path = points[segment] + a[:, None] * (points[segment + 1] - points[segment])
    return path * np.reshape(size, (-1, 1))


def motion_offset(name: str, p: np.ndarray, size: np.ndarray | float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Wrist offset (len(p), 3) in hand units and extra turn (len(p), 3) (yaw, roll, pitch; degrees) at phases
    p in [0, 1] of a sign; `size` (scalar or per phase) scales J and Z.

    Every path starts and ends at rest so consecutive signs join smoothly.
    """
    p = np.asarray(p, dtype=np.float64)
    env, zero = _envelope(p), np.zeros_like(p)
    turn = np.zeros((len(p), 3))
    if name in ("none", "space"):  # a space's drift is part of the wrist path (synthetic.py)
        x, y, z = zero, zero, zero
    elif name == "j":
        x, y = _traced(p, _J_KNOTS, _J_PATH, size).T
        z = zero
        turn[:, :2] = _traced(p, _J_KNOTS, _J_TURN, np.sqrt(size))
    elif name == "z":
        x, y = _traced(p, _Z_KNOTS, _Z_PATH, size).T
        z = zero
        across = (x / np.maximum(1.1 * np.reshape(size, -1), 1e-9) + 0.5) * 2.0  # -1 image left .. 1 right
        turn[:, 1] = 20.0 * across * _smoothstep_window(p)  # the hand leans into each stroke
    elif name == "hline":
        x, y, z = 1.0 * env * np.cos(np.pi * p), zero, zero
    elif name == "lowline":
        x, y, z = 1.0 * env * np.cos(np.pi * p), 0.8 * env, zero
    elif name == "vline":
        x, y, z = zero, 1.0 * env * np.cos(np.pi * p), zero
    elif name == "diag":
        x, y, z = 0.8 * env * np.cos(np.pi * p), -0.8 * env * np.cos(np.pi * p), zero
    elif name == "poke":
        x, y, z = zero, 0.15 * env, -0.9 * env
    elif name == "double-poke":
        x, y, z = zero, zero, -0.7 * np.abs(np.sin(2 * np.pi * p))
    elif name == "cross":
        x = 0.7 * np.sin(2 * np.pi * np.clip(2 * p, 0, 1)) * (p < .5)
        y = 0.7 * np.sin(2 * np.pi * np.clip(2 * p - 1, 0, 1)) * (p >= .5)
        z = zero
    elif name == "circle":
        x, y, z = 0.6 * np.sin(2 * np.pi * p) * env, 0.6 * (1 - np.cos(2 * np.pi * p)) * env, zero
    elif name == "hook":
        x, y, z = -0.5 * p * env, 0.7 * env, zero
        turn[:, 1] = -40 * env
    elif name == "drop":
        x, y, z = zero, 1.2 * env, zero
    elif name == "arc-left":
        x, y, z = -0.8 * env, 0.5 * np.sin(2 * np.pi * p) * env, zero
    elif name == "arc-right":
        x, y, z = 0.8 * env, 0.5 * np.sin(2 * np.pi * p) * env, zero
    elif name == "wave":
        x, y, z = 0.8 * env * np.cos(np.pi * p), 0.35 * np.sin(4 * np.pi * p) * env, zero
    else:
        raise ValueError(f"unknown motion {name!r}")
    return np.stack([x, y, z], axis=-1), turn


def _smoothstep_window(p: np.ndarray) -> np.ndarray:
    """1 inside the trace, easing to 0 over its first and last tenth."""
    return np.minimum(smoothstep(p / 0.1), smoothstep((1.0 - p) / 0.15))
