"""How a phrase starts: the hand rising into the first letter, real clips against the generator.

On real video the first letter of a word is the one most often lost or garbled. A real signer's hand is seen
while it rises into the first letter and shapes it on the way; a generator whose hand appears already in
place, the letter fully formed, teaches a model a start no real signer gives. This bench measures, on the
one real source whose clips start where the hand is first detected (spoken-to-signed-translation's .pose
letters, one Holistic clip per letter, 25 fps; J and Z, which move, left out) and on synthetic phrases:

- `rise_palms`: how far below its held place the wrist is when the hand is first detected, in palm lengths
  (wrist to middle-finger knuckle), x and y taken in the same units;
- `forming_s`: seconds from the first detection until the hand's shape first comes within 0.1 palm (mean
  point distance, wrist-centred, palm-normalised) of the letter's held shape;
- `settle_s`: seconds until the wrist first comes within 0.25 palm of its held place.

The held shape and place are the medians over the second half of a real clip (the letter held), and over
the middle half of the first letter's span for a synthetic phrase. Prints JSON (medians and quartiles) and
appends one line to bench/results.jsonl.

    python bench/onset.py [--sequences 300] [--seed 11] [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common import record
from fingerspell.layout import part_slice
from fingerspell.synth.phrases import random_phrase
from fingerspell.synth.real_letters import POSE_FOLDER, read_pose_hand
from fingerspell.synth.render import make_signer, render_sequence, timeline

ROOT = Path(__file__).resolve().parents[1]
MOVING = ("j", "z")
SHAPE_CLOSE, PLACE_CLOSE = 0.1, 0.25  # palm lengths


def shapes(hand: np.ndarray) -> np.ndarray:
    """(frames, 21, 2) wrist-centred, in palm lengths."""
    xy = hand[..., :2] - hand[..., :1, :2]
    return xy / np.linalg.norm(xy[..., 9, :], axis=-1)[..., None, None]


def onset(hand: np.ndarray, held: np.ndarray, fps: float) -> dict | None:
    """Measures from the first detected frame of `hand` (frames, 21, 2+, isotropic), `held` the frames
    (indices) whose median is the letter's held shape and place."""
    seen = np.flatnonzero(np.isfinite(hand[:, 0, 0]))
    held = held[np.isfinite(hand[held, 0, 0])]
    if not len(seen) or len(held) < 2 or seen[0] >= held[0]:
        return None
    first, norm = seen[0], shapes(hand)
    shape = np.median(norm[held], axis=0)
    place = np.median(hand[held, 0, :2], axis=0)
    palm = float(np.median(np.linalg.norm(hand[held, 9, :2] - hand[held, 0, :2], axis=-1)))
    after = np.arange(first, held[-1] + 1)
    after = after[np.isfinite(hand[after, 0, 0])]
    shape_gap = np.linalg.norm(norm[after] - shape, axis=-1).mean(-1)
    place_gap = np.linalg.norm(hand[after, 0, :2] - place, axis=-1) / palm
    formed = after[np.argmax(shape_gap < SHAPE_CLOSE)] if (shape_gap < SHAPE_CLOSE).any() else after[-1]
    settled = after[np.argmax(place_gap < PLACE_CLOSE)] if (place_gap < PLACE_CLOSE).any() else after[-1]
    return {"rise_palms": float((hand[first, 0, 1] - place[1]) / palm),
            "forming_s": float((formed - first) / fps), "settle_s": float((settled - first) / fps)}


def real_clips(data: Path) -> list[dict]:
    from pose_format import Pose
    import csv
    folder = data / POSE_FOLDER
    out = []
    with (folder / "index.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            letter = row["words"].strip().lower()
            if len(letter) != 1 or letter in MOVING:
                continue
            path = folder / Path(row["path"]).name
            pose = Pose.read(path.read_bytes())  # for its frame rate and image size; the hand as predict reads it
            hand = read_pose_hand(path).astype(np.float64)
            hand[..., 0] *= pose.header.dimensions.width / max(pose.header.dimensions.height, 1)  # isotropic
            measured = onset(hand, np.arange(len(hand) // 2, len(hand)), float(pose.body.fps))
            if measured:
                out.append({"letter": letter, **measured})
    return out


def synthetic(count: int, seed: int) -> list[dict]:
    out = []
    for k in range(count):
        rng = np.random.default_rng([seed, k])
        signer = make_signer(rng, k)
        phrase = random_phrase(rng)
        if phrase[0] in MOVING or not phrase[0].isalnum():
            continue
        state = rng.bit_generator.state
        _, _, _, durations, starts, _, _ = timeline(phrase, signer, rng)  # what render_sequence draws first
        rng.bit_generator.state = state
        frames = render_sequence(phrase, signer, rng).astype(np.float64)
        hand = frames[:, part_slice("left_hand" if signer.left_dominant else "right_hand")]
        hand[..., 0] *= signer.aspect  # isotropic
        begin, span = starts[0], durations[0]
        held = np.arange(int(np.ceil(begin + 0.25 * span)), int(begin + 0.75 * span) + 1)
        measured = onset(hand, held[held < len(hand)], 30.0)
        if measured:
            out.append({"phrase": phrase, **measured})
    return out


def summary(rows: list[dict]) -> dict:
    keys = ("rise_palms", "forming_s", "settle_s")
    return {"clips": len(rows), **{key: {name: round(float(np.percentile([r[key] for r in rows], q)), 3)
                                         for name, q in (("p25", 25), ("median", 50), ("p75", 75))}
                                   for key in keys}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    report = {"real": {"source": "spoken_to_signed (one signer, letters without J and Z)",
                       **summary(real_clips(Path(args.data)))},
              "synthetic": {"source": f"{args.sequences} phrases, seed {args.seed}",
                            **summary(synthetic(args.sequences, args.seed))}}
    record("onset", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
