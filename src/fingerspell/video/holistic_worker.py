"""MediaPipe Holistic over videos and images; runs inside the video environment, not fingerspell's.

    python holistic_worker.py OUT_DIR INPUT...

MediaPipe 0.10.21 (the last release whose legacy Holistic solution ships its models, so it works
offline) needs numpy < 2 and protobuf < 5, so it lives in its own environment (`fingerspell setup-video`)
and this file imports nothing from fingerspell. For input k it writes OUT_DIR/k.npy, float32
(frames, 543, 3) in MediaPipe's normalised coordinates (face 468, left hand 21, pose 33, right hand 21;
NaN where a part was not detected), and prints JSON lines: {"input": k, "total": n} when it starts,
{"input": k, "done": i} as it goes, then {"input": k, "ok": ..., "frames", "seconds", "corrupt_frames",
"reason"}. Where Holistic finds no body (a close-up of a hand), MediaPipe Hands fills in the hands.
"""
import json
import os
import sys
import time

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
# The frame layout of fingerspell/layout.py (PARTS), written out because this script runs in MediaPipe's own
# environment, where fingerspell is not importable; tests/test_layout.py checks the two agree.
PARTS = (("face", 468), ("left_hand", 21), ("pose", 33), ("right_hand", 21))
OFFSET = {name: sum(count for _, count in PARTS[:i]) for i, (name, _) in enumerate(PARTS)}
SIZE = dict(PARTS)
MAX_BAD_READS = 10  # consecutive unreadable frames before a video is taken to end


def say(**message):
    print(json.dumps(message), flush=True)


def frames_of(path):
    """Yield RGB frames; counts unreadable frames in the middle instead of stopping at the first."""
    import cv2
    if path.lower().endswith(IMAGE_SUFFIXES):
        image = cv2.imread(path)
        if image is None:
            raise ValueError("not a readable image")
        yield 1, cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        return
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise ValueError("not a readable video or image")
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    bad = 0
    while True:
        ok, frame = capture.read()
        if ok:
            bad = 0
            yield total, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            continue
        bad += 1
        position = int(capture.get(cv2.CAP_PROP_POS_FRAMES))
        if bad > MAX_BAD_READS or position >= total:
            break
        frames_of.corrupt += 1
    capture.release()


def to_array(landmarks, count):
    if landmarks is None:
        return np.full((count, 3), np.nan, np.float32)
    return np.array([[p.x, p.y, p.z] for p in landmarks.landmark], np.float32)


def landmarks_of(rgb, holistic, hands):
    """One frame's (543, 3) landmarks: Holistic's, and Hands' where Holistic found no hand."""
    result = holistic.process(rgb)
    found = {"face": result.face_landmarks, "left_hand": result.left_hand_landmarks,
             "pose": result.pose_landmarks, "right_hand": result.right_hand_landmarks}
    frame = np.concatenate([to_array(found[name], count) for name, count in PARTS])
    if result.left_hand_landmarks is None and result.right_hand_landmarks is None:
        found = hands.process(rgb)
        for landmarks, handedness in zip(found.multi_hand_landmarks or [], found.multi_handedness or []):
            # Hands labels assume a mirrored (selfie) image; for a plain camera image "Left" is the
            # person's right hand, which is Holistic's right_hand.
            part = "right_hand" if handedness.classification[0].label == "Left" else "left_hand"
            frame[OFFSET[part]:OFFSET[part] + SIZE[part]] = to_array(landmarks, SIZE[part])
    return frame


def extract(path, holistic, hands):
    rows = []
    frames_of.corrupt = 0
    for total, rgb in frames_of(path):
        if not rows:
            say(input=extract.index, total=total)
            extract.size = rgb.shape[1], rgb.shape[0]
        rows.append(landmarks_of(rgb, holistic, hands))
        if len(rows) % 25 == 0:
            say(input=extract.index, done=len(rows))
    if not rows:
        raise ValueError("no frames could be read (empty file or not a video)")
    array = np.stack(rows)
    if np.isnan(array).all():
        raise ValueError("no person detected in any frame")
    return array


def main():
    import mediapipe as mp
    out_dir, inputs = sys.argv[1], sys.argv[2:]
    for index, path in enumerate(inputs):
        extract.index = index
        started = time.time()
        static = path.lower().endswith(IMAGE_SUFFIXES)
        try:
            with mp.solutions.holistic.Holistic(static_image_mode=static, model_complexity=1) as holistic, \
                    mp.solutions.hands.Hands(static_image_mode=static, max_num_hands=2, model_complexity=1,
                                             min_detection_confidence=0.3) as hands:
                array = extract(path, holistic, hands)
            target = os.path.join(out_dir, f"{index}.npy")
            np.save(target + ".tmp.npy", array)
            os.replace(target + ".tmp.npy", target)
            say(input=index, ok=True, frames=len(array), seconds=round(time.time() - started, 3),
                corrupt_frames=frames_of.corrupt, width=extract.size[0], height=extract.size[1])
        except Exception as error:  # one bad input must not stop the others
            say(input=index, ok=False, reason=str(error) or type(error).__name__,
                seconds=round(time.time() - started, 3))


if __name__ == "__main__":
    main()
