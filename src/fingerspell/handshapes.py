"""Handshapes and movements of the 59 characters, for the synthetic generator.

Letters take their shapes from real MediaPipe hands (assets/letter_shapes.json, 4 exemplars each, wrist at
the origin, wrist-to-middle-knuckle length 1, as captured). Digits and symbols reuse a letter's shape in
another orientation and/or with a movement, so every character has its own shape or motion, as in ASL
(1 = index up palm in; "-" = an index stroke; "@" = a circle).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .vocab import CHARACTERS

FINGER_CHAINS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))


@dataclass(frozen=True)
class Sign:
    base: str  # the letter whose real shape it uses
    yaw: float = 0.0  # degrees about the vertical axis; ~160 turns the palm toward the signer
    roll: float = 0.0  # degrees in the image plane
    motion: str = "none"


_SYMBOLS = {
    "0": Sign("o", roll=25), "1": Sign("d", yaw=160), "2": Sign("v", yaw=160), "3": Sign("k", yaw=160),
    "4": Sign("b", yaw=160), "5": Sign("y", yaw=160), "6": Sign("w", roll=-20), "7": Sign("r", yaw=160),
    "8": Sign("h", yaw=160), "9": Sign("f", roll=-25),
    " ": Sign("b", motion="space"), "-": Sign("d", roll=90, motion="hline"), ".": Sign("x", motion="poke"),
    "/": Sign("d", roll=45, motion="diag"), "+": Sign("d", motion="cross"), "@": Sign("a", motion="circle"),
    "_": Sign("d", roll=90, motion="lowline"), ",": Sign("d", roll=20, motion="hook"),
    ":": Sign("x", motion="double-poke"), ";": Sign("x", roll=30, motion="hook"), "!": Sign("d", motion="drop"),
    "?": Sign("x", motion="twist"), "#": Sign("h", motion="vline"), "$": Sign("s", motion="shake"),
    "%": Sign("o", motion="diag"), "&": Sign("a", yaw=160, motion="circle"), "'": Sign("v", motion="twist"),
    "(": Sign("c", motion="arc-left"), ")": Sign("c", motion="arc-right"), "*": Sign("b", motion="twist"),
    "=": Sign("h", roll=90, motion="hline"), "[": Sign("l", motion="vline"), "~": Sign("d", roll=90, motion="wave"),
    "j": Sign("j", motion="j"), "z": Sign("z", motion="z"),
}
SIGNS: dict[str, Sign] = {c: _SYMBOLS.get(c, Sign(c)) for c in CHARACTERS}
assert len({(s.base, s.yaw, s.roll, s.motion) for s in SIGNS.values()}) == len(CHARACTERS)


@lru_cache(maxsize=1)
def letter_exemplars() -> dict[str, np.ndarray]:
    """letter -> (4, 21, 3) float64 real handshapes in hand units."""
    text = resources.files("fingerspell").joinpath("assets/letter_shapes.json").read_text(encoding="utf-8")
    return {k: np.asarray(v, dtype=np.float64) for k, v in json.loads(text)["letters"].items()}


@lru_cache(maxsize=1)
def body_template() -> tuple[np.ndarray, np.ndarray]:
    """A real Holistic frame: face (468, 3) and pose (33, 3), image-normalised."""
    text = resources.files("fingerspell").joinpath("assets/body_template.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return np.asarray(data["face"], dtype=np.float64), np.asarray(data["pose"], dtype=np.float64)


def rotation(yaw: float = 0.0, roll: float = 0.0, pitch: float = 0.0) -> np.ndarray:
    """3x3 rotation (degrees): pitch about x, then yaw about y, then roll about z (image plane)."""
    a, b, c = np.radians([pitch, yaw, roll])
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def scale_bones(shape: np.ndarray, finger_scale: np.ndarray) -> np.ndarray:
    """Rebuild a (21, 3) hand with each finger's bones scaled by `finger_scale[finger]` (5 values)."""
    out = shape.copy()
    for finger, chain in enumerate(FINGER_CHAINS):
        for parent, child in zip(chain[:-1], chain[1:]):
            out[child] = out[parent] + finger_scale[finger] * (shape[child] - shape[parent])
    return out


def _envelope(p):
    return np.sin(np.pi * np.clip(p, 0, 1))


def motion_offset(name: str, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wrist offset (len(p), 3) in hand units and extra roll (degrees) at phases p in [0, 1] of a sign.

    Every path starts and ends at rest so consecutive signs join smoothly.
    """
    p = np.asarray(p, dtype=np.float64)
    env, zero = _envelope(p), np.zeros_like(p)
    roll = zero
    if name == "none":
        x, y, z = zero, zero, zero
    elif name == "j":  # pinky traces a hook: down, then curving toward the thumb, wrist turning
        x, y, z = -0.7 * p ** 2 * env, 0.8 * np.sin(np.pi * p / 1.2) * env, zero
        roll = 70 * p * env
    elif name == "z":  # index traces a Z: right, diagonal down-left, right
        x = np.interp(p, [0, .15, .4, .65, .9, 1], [0, .9, .9, 0, .9, .9]) * env
        y = np.interp(p, [0, .15, .4, .65, .9, 1], [0, 0, 0, .8, .8, .8]) * env
        z = zero
    elif name == "space":
        x, y, z = 0.9 * env, zero, zero
    elif name == "hline":
        x, y, z = 1.0 * env * np.cos(np.pi * p), zero, zero
    elif name == "lowline":
        x, y, z = 1.0 * env * np.cos(np.pi * p), 0.8 * env, zero
    elif name == "vline":
        x, y, z = zero, 1.0 * env * np.cos(np.pi * p), zero
    elif name == "diag":
        x, y, z = 0.8 * env * np.cos(np.pi * p), -0.8 * env * np.cos(np.pi * p), zero
    elif name == "poke":
        x, y, z = zero, zero, -0.9 * env
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
        roll = -40 * env
    elif name == "drop":
        x, y, z = zero, 1.2 * env, zero
    elif name == "twist":
        x, y, z = zero, zero, zero
        roll = 60 * np.sin(2 * np.pi * p)
    elif name == "shake":
        x, y, z = 0.4 * np.sin(6 * np.pi * p) * env, zero, zero
    elif name == "arc-left":
        x, y, z = -0.8 * env, 0.5 * np.sin(2 * np.pi * p) * env, zero
    elif name == "arc-right":
        x, y, z = 0.8 * env, 0.5 * np.sin(2 * np.pi * p) * env, zero
    elif name == "wave":
        x, y, z = 0.8 * env * np.cos(np.pi * p), 0.35 * np.sin(4 * np.pi * p) * env, zero
    elif name == "bounce":  # a doubled letter: a small slide sideways and back
        x, y, z = 0.35 * env, -0.1 * env, zero
    else:
        raise ValueError(f"unknown motion {name!r}")
    return np.stack([x, y, z], axis=-1), np.broadcast_to(roll, p.shape).astype(np.float64)
