"""Which hand a real capture shows, for sources that mix the two.

A real signer spells with one hand. One of our real letter sources (siruyy: independent captures at varied
angles) holds both: about half of each letter's captures are the other hand (or a mirrored image of it;
landmarks cannot tell the two apart, and for reading they are the same thing). Spelled into one word, or
blended into a synthetic signer's letter, such a mix is a signal no real signer gives. `one_handed` turns
every capture into the hand of `reference`, mirroring the others in the image.

How a capture's hand is told: in the image plane, a hand and its mirror image cannot be turned into each
other, so among one letter's captures, pairs of the same hand lie close after the best rotation and pairs of
opposite hands lie far apart unless one is mirrored. The captures of a letter split into two groups by the
sign of the leading eigenvector of "distance to the other's mirror image minus distance to the other" (a
sign synchronisation); each group is then compared with the reference's shapes of that letter, as it is and
mirrored. On siruyy the two groups are 0.10-0.30 apart within and 0.22-0.62 across (palm lengths), and for
letters whose palm faces the camera the split agrees with the palm's facing on 94-100% of captures.
"""
from __future__ import annotations

import numpy as np


def shape_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) root-mean-square distance between hands `a` (n, 21, 2+) and `b` (m, 21, 2+) in the image
    plane (x, y), each centred, after the best rotation of one onto the other (no reflection)."""
    a = a[..., :2] - a[..., :2].mean(axis=1, keepdims=True)
    b = b[..., :2] - b[..., :2].mean(axis=1, keepdims=True)
    dot = np.einsum("ikd,jkd->ij", a, b)
    cross = np.einsum("ik,jk->ij", a[..., 0], b[..., 1]) - np.einsum("ik,jk->ij", a[..., 1], b[..., 0])
    norms = (a ** 2).sum(axis=(1, 2))[:, None] + (b ** 2).sum(axis=(1, 2))[None, :]
    return np.sqrt(np.maximum(norms - 2.0 * np.hypot(dot, cross), 0.0) / a.shape[1])


def mirrored(hands: np.ndarray) -> np.ndarray:
    """Hands (n, 21, 3) mirrored left to right about each one's wrist (z, depth, unchanged)."""
    out = hands.copy()
    out[..., 0] = 2.0 * hands[:, :1, 0] - hands[..., 0]
    return out


def split_by_hand(shapes: np.ndarray) -> np.ndarray:
    """(n,) bool: two groups of one letter's captures (n, 21, 2+), each group one hand (which is which is
    not known here). Fewer than 2 captures: one group."""
    if len(shapes) < 2:
        return np.zeros(len(shapes), dtype=bool)
    prefer_same = shape_distances(shapes, mirrored(shapes)) - shape_distances(shapes, shapes)
    np.fill_diagonal(prefer_same, 0.0)
    _, vectors = np.linalg.eigh(prefer_same)
    return vectors[:, -1] > 0


def _palm_units(hands: np.ndarray) -> np.ndarray:
    """Wrist at the origin, wrist-to-middle-knuckle length 1 in the image plane, where the distances are
    taken (handshapes.canonical_hands measures that length with z, MediaPipe's noisiest coordinate)."""
    out = hands.astype(np.float64) - hands[:, :1]
    return out / np.maximum(np.linalg.norm(out[:, 9, :2], axis=-1), 1e-6)[:, None, None]


def other_hand(shapes: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(n,) bool: which of one letter's captures (n, 21, 3, image orientation) show the other hand than
    `reference` (k, 21, 3), the same letter by the hand wanted."""
    own = _palm_units(shapes)
    group = split_by_hand(own)
    as_is = shape_distances(own, reference).min(axis=1)
    flipped = shape_distances(mirrored(own), reference).min(axis=1)
    other = np.zeros(len(shapes), dtype=bool)
    for members in (group, ~group):
        if members.any():
            other[members] = np.median(flipped[members]) < np.median(as_is[members])
    return other


def one_handed(hands: np.ndarray, letters: np.ndarray, reference: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Captures `hands` (N, 21, 3) of `letters` (N,) turned into the hand of `reference` (letter -> (k, 21, 3)
    shapes; letters it lacks are left as they are): (hands, which (N,) bool were mirrored)."""
    out, flipped = hands.copy(), np.zeros(len(hands), dtype=bool)
    for letter in np.unique(letters):
        rows = np.flatnonzero(letters == letter)
        if letter not in reference or len(reference[letter]) == 0:
            continue
        flip = rows[other_hand(hands[rows], reference[letter])]
        out[flip], flipped[flip] = mirrored(hands[flip]), True
    return out, flipped
