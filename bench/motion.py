"""The traced letters J and Z: the generator's against the real clips that show them.

Real: the spoken-to-signed clips of J and Z (one right-handed signer, unmirrored, 25 fps; the rise into the
letter and the fall after it cut off as synth.traces does), and the
Z frames of borisgraudt's recording (about 400 webcam frames of Z traced again and again: the tip's travel
over 12-frame windows). Synthetic: each letter spelled alone by right-handed synthetic signers, the frames
between the hand's arrival and its fall. All lengths in palm lengths (wrist to middle knuckle), image x to the
right, y down.

- `tip_width`, `tip_height`: the tracing fingertip's range (pinky for J, index for Z);
- `stroke`: which way the tip's sideways strokes go, summed (Z: -1 = towards image left: a Z drawn for the
  signer to read, its two strokes to the signer's right);
- `turn_at_end`: how far the hand's direction (wrist to middle knuckle, degrees in the image) has turned by
  the end of the letter against its start; `span_at_end`: knuckle width at the end over at the start (a
  twist of the wrist shows as a change of width).

Prints JSON and appends one line to bench/results.jsonl.

    python bench/motion.py [--signers 60] [--seed 0] [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common import record
from fingerspell.synth.real_letters import read_signer
from fingerspell.synth.render import hand_track, make_signer
from fingerspell.synth.traces import TIP, palm_length, trace_stats, without_rise_and_fall

ROOT = Path(__file__).resolve().parents[1]


def real_stats(data: Path) -> dict:
    spoken = read_signer("spoken_to_signed", data)
    out = {f"spoken_{c}": trace_stats(without_rise_and_fall(spoken.of(c)[0].astype(np.float64)), c) for c in "jz"}
    boris = read_signer("borisgraudt", data).of("z")[0].astype(np.float64)
    tip = boris[:, TIP["z"], :2] / palm_length(boris)
    travel = [float(np.ptp(tip[k:k + 12], axis=0).max()) for k in range(0, len(tip) - 12, 6)]
    out["borisgraudt_z_12_frame_tip_travel"] = {"median": float(np.median(travel)), "p90": float(np.percentile(travel, 90))}
    return out


def synthetic_stats(signers: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    rows = {c: [] for c in "jz"}
    for number in range(signers):
        signer = make_signer(rng, number)
        while signer.left_dominant:  # the real clips are right hands
            signer = make_signer(rng, number)
        for c in "jz":
            hand, _, (lead_in, lead_out), _ = hand_track(c, signer, rng)
            rows[c].append(trace_stats(hand[lead_in:len(hand) - lead_out], c))
    return {f"synthetic_{c}": {key: {"median": float(np.median([r[key] for r in rows[c]])),
                                     "p10": float(np.percentile([r[key] for r in rows[c]], 10)),
                                     "p90": float(np.percentile([r[key] for r in rows[c]], 90))}
                               for key in rows[c][0]} for c in "jz"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    metrics = {**real_stats(Path(args.data)), **synthetic_stats(args.signers, args.seed)}
    print(json.dumps(metrics, indent=1))
    record("motion", vars(args), metrics)


if __name__ == "__main__":
    main()
