"""The traced letters J and Z as a real signer moves them, for real letters captured standing still.

J and Z are handshapes *moved*: a J held still is an I, a Z held still is a pointing index. Two of our real
letter sources are stills (siruyy's independent captures, openasl's photos) and one recorded its J mostly
still (borisgraudt); spelled into words as they are, their J and Z are signals no real signer gives. The
spoken-to-signed clips show a real J and Z in motion: `real_traces` takes from them how the hand moves (the
wrist's path and the hand's turn in the image, the rise into the letter and the fall after it cut off), and
`traced` moves one still capture along such a trace.
"""
from __future__ import annotations

import numpy as np

TRACED = "jz"
TIP = {"j": 20, "z": 8}  # the fingertip that draws the letter: pinky for J, index for Z
RISE_BELOW = 0.8  # palm lengths under the wrist's median height: the hand still rising or already falling
STILL_TRAVEL = 0.5  # palm lengths: a fingertip that moves less than this over a held letter did not trace it


def palm_length(hands: np.ndarray) -> float:
    """Median wrist-to-middle-knuckle length of hands (frames, 21, 2+) in the image."""
    return float(np.median(np.linalg.norm(hands[:, 9, :2] - hands[:, 0, :2], axis=1)))


def direction(hands: np.ndarray) -> np.ndarray:
    """(frames,) the hand's direction in the image, wrist to middle knuckle, degrees, unwrapped."""
    vector = hands[:, 9, :2] - hands[:, 0, :2]
    return np.degrees(np.unwrap(np.arctan2(vector[:, 1], vector[:, 0])))


def without_rise_and_fall(clip: np.ndarray) -> np.ndarray:
    """The longest run of frames whose wrist is no lower than RISE_BELOW palm lengths under its median
    height: a letter clip without the hand rising from below into it and falling back after it."""
    height = clip[:, 0, 1] / palm_length(clip)
    raised = np.r_[False, height <= np.median(height) + RISE_BELOW, False]
    edges = np.flatnonzero(np.diff(raised.astype(int)))
    starts, stops = edges[::2], edges[1::2]
    longest = int(np.argmax(stops - starts))
    return clip[starts[longest]:stops[longest]]


def trace_of(clip: np.ndarray) -> np.ndarray:
    """(frames, 3) how a clip's hand moves: wrist offset from its first frame in palm lengths (x, y) and the
    hand's turn in the image from its first frame (degrees)."""
    clip = without_rise_and_fall(np.asarray(clip, dtype=np.float64))
    offset = (clip[:, 0, :2] - clip[0, 0, :2]) / palm_length(clip)
    turn = direction(clip)
    return np.column_stack([offset, turn - turn[0]])


def is_still(frames: np.ndarray, letter: str) -> bool:
    """True when a held letter's frames (frames, 21, 2+) show no trace: its fingertip barely moves."""
    tip = frames[:, TIP[letter], :2] / max(palm_length(frames), 1e-9)
    return bool(np.ptp(tip, axis=0).max() < STILL_TRAVEL)


def traced(capture: np.ndarray, trace: np.ndarray, mirrored: bool) -> np.ndarray:
    """One still capture (21, 3) moved along `trace` (frames, 3): (frames, 21, 3). A mirrored source (a left
    hand as seen) traces the mirror image."""
    unit = palm_length(capture[None])
    side = -1.0 if mirrored else 1.0
    angles = np.radians(side * trace[:, 2])
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    local = capture[:, :2] - capture[0, :2]
    out = np.repeat(capture[None], len(trace), axis=0).astype(np.float64)
    out[..., 0] = capture[0, 0] + cos * local[:, 0] - sin * local[:, 1] + side * unit * trace[:, :1]
    out[..., 1] = capture[0, 1] + sin * local[:, 0] + cos * local[:, 1] + unit * trace[:, 1:2]
    return out


def trace_stats(hand: np.ndarray, letter: str) -> dict:
    """How one traced letter moves, `hand` (frames, 21, 2+) from its start to its end, in palm lengths (image
    x to the right, y down): the tracing fingertip's range (`tip_width`, `tip_height`); which way its
    sideways strokes go, summed (`stroke`; a Z drawn for the signer to read by a right hand seen unmirrored:
    -1, towards image left); how far the hand's direction has turned by the end against the start
    (`turn_at_end`, degrees); knuckle width at the end over the start (`span_at_end`: a twist of the wrist)."""
    unit = palm_length(hand)
    tip = hand[:, TIP[letter], :2] / unit
    moves = np.diff(tip, axis=0)
    sideways = moves[np.abs(moves[:, 0]) > 2 * np.abs(moves[:, 1]), 0]  # strokes, not the diagonal
    span = np.linalg.norm(hand[:, 5, :2] - hand[:, 17, :2], axis=1) / unit
    turn = direction(hand)
    ends = max(1, len(hand) // 6)
    return {"tip_width": float(np.ptp(tip[:, 0])), "tip_height": float(np.ptp(tip[:, 1])),
            "stroke": float(np.sign(sideways.sum())),
            "turn_at_end": float(turn[-ends:].mean() - turn[:ends].mean()),
            "span_at_end": float(span[-ends:].mean() / max(span[:ends].mean(), 1e-6))}
