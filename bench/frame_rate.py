"""How the bundled model reads when it gets fewer frames than were recorded (a live page reading 7 of the
camera's 25-30 frames a second), and when those frames are linearly interpolated back to the recorded rate.

On synthetic sequences (`fingerspell synth`, the Kaggle layout and its frame counts: about 9 frames per
character), the bundled model reads each sequence through LiteRT four-plus ways: every frame; every k-th
frame (k = 2, 4); and every k-th frame with those between filled in linearly
(`inference.fill_missed_frames`, as the live page does; a point missing in either neighbour stays missing).
Prints JSON (score and CER per way) and appends it to bench/results.jsonl.

    python bench/frame_rate.py [--sequences 300] [--seed 777] [--out out/bench-frame-rate]
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from common import record
from fingerspell.pipeline import PipelineSpec, run_pipeline
from fingerspell.inference import BUNDLED_MODEL, LiteModel, fill_missed_frames
from fingerspell.io.kaggle import WideParquet
from fingerspell.metrics import score

STRIDES = (2, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=300)
    parser.add_argument("--signers", type=int, default=10)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--out", default="out/bench-frame-rate")
    args = parser.parse_args()
    spec = PipelineSpec(args.out, sequences=args.sequences, signers=args.signers, data_seed=args.seed)
    run_pipeline(spec, through="synth", progress=False)
    data = spec.folders["data"]
    phrases = pd.read_csv(data / "train.csv").set_index("sequence_id")["phrase"].to_dict()
    model = LiteModel(BUNDLED_MODEL)
    truth, reads = [], {"every_frame": []}
    for stride in STRIDES:
        reads[f"one_frame_in_{stride}"], reads[f"one_frame_in_{stride}_filled"] = [], []
    for path in sorted((data / "train_landmarks").glob("*.parquet")):
        parquet = WideParquet(path)
        for sequence_id in parquet.sequence_index():
            frames = parquet.read_sequence(sequence_id)
            truth.append(phrases[sequence_id])
            reads["every_frame"].append(model.predict(frames))
            for stride in STRIDES:
                kept = frames[::stride]
                reads[f"one_frame_in_{stride}"].append(model.predict(kept))
                positions = np.arange(0, len(frames), stride)
                reads[f"one_frame_in_{stride}_filled"].append(
                    model.predict(fill_missed_frames(kept, positions)))
    report = {"model": "bundled", "sequences": len(truth), "seed": args.seed}
    for name, read in reads.items():
        result = score(truth, read)
        report[name] = {"score": round(result["score"], 4), "cer": round(result["cer"], 4)}
    record("frame_rate", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
