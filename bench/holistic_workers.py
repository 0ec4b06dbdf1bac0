"""What reading frames with several Holistic instances costs in landmarks (the live page's workers).

The live page runs Holistic in two workers (web/detector.js), each taking the camera's next frame when it
is free, so each instance tracks over every other frame read instead of every frame. This runs MediaPipe
Holistic (and Hands where it finds no hand, one instance shared, as the page does) in Python over real
clips four ways: one instance over every frame (what `fingerspell extract` does: the reference), two
instances alternating over every frame, and both again over every `--stride`-th frame (a page reading
fewer frames than the camera shows). It reports, against the reference on the same frames, the median
absolute difference of the hand landmarks found by both and the share of the reference's hands found.
Prints JSON and appends it to bench/results.jsonl.

    .venv-video/bin/python bench/holistic_workers.py [--stride 3] [VIDEO ...]

Runs in the video environment (`fingerspell setup-video`): MediaPipe 0.10.21 needs numpy < 2.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from common import command_line, record  # (the standard library only: it runs in the video environment too)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src" / "fingerspell" / "video"))
import holistic_worker  # noqa: E402  (imports nothing from fingerspell: it runs in this environment too)

CLIPS = [ROOT.parent / "shared" / "data" / "hands" / name for name in
         ("gesture_recognizer_android_androidTest_test_video.mp4",
          "hand_landmarker_android_androidTest_test_video.mp4")]
LEFT, RIGHT = holistic_worker.OFFSET["left_hand"], holistic_worker.OFFSET["right_hand"]
HANDS = np.r_[LEFT:LEFT + 21, RIGHT:RIGHT + 21]


def read(frames, instances: int) -> np.ndarray:
    """(frames, 543, 3) with `instances` Holistic instances taking the frames in turn and one Hands."""
    import mediapipe as mp
    holistics = [mp.solutions.holistic.Holistic(model_complexity=1) for _ in range(instances)]
    hands = mp.solutions.hands.Hands(max_num_hands=2, model_complexity=1, min_detection_confidence=0.3)
    rows = []
    try:
        for i, rgb in enumerate(frames):  # the extractor's own code, the instance whose turn it is
            rows.append(holistic_worker.landmarks_of(rgb, holistics[i % instances], hands))
    finally:
        for solution in [*holistics, hands]:
            solution.close()
    return np.stack(rows)


def compare(variant: np.ndarray, reference: np.ndarray) -> dict:
    found, expected = np.isfinite(variant[:, HANDS, 0]), np.isfinite(reference[:, HANDS, 0])
    both = found & expected
    return {"median_abs_diff_hands": round(float(np.median(np.abs(variant - reference)[:, HANDS][both])), 5),
            "reference_hand_points_found": round(float(both.sum() / max(expected.sum(), 1)), 4),
            "hand_points_found_not_in_reference": int((found & ~expected).sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("videos", nargs="*", default=[str(c) for c in CLIPS])
    parser.add_argument("--stride", type=int, default=3, help="every n-th frame, for the sparser reading")
    args = parser.parse_args()
    report = {"stride": args.stride, "clips": {}}
    for video in args.videos:
        holistic_worker.frames_of.corrupt = 0
        frames = [rgb for _, rgb in holistic_worker.frames_of(video)]
        every = read(frames, 1)
        sparse = frames[::args.stride]
        report["clips"][Path(video).name] = {
            "frames": len(frames),
            "two_instances_every_frame": compare(read(frames, 2), every),
            f"one_instance_every_{args.stride}th_frame": compare(read(sparse, 1), every[::args.stride]),
            f"two_instances_every_{args.stride}th_frame": compare(read(sparse, 2), every[::args.stride]),
        }
    record("holistic_workers", args, report, command=command_line(".venv-video/bin/python"))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
