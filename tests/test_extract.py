"""Video and images -> landmarks on real pixels (MediaPipe's own sample photos and videos)."""
import json
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import shared
from fingerspell.cli import main
from fingerspell.video.extract import extract, video_python
from fingerspell.layout import PART_OFFSET
from fingerspell.io.kaggle import WideParquet


@pytest.fixture(scope="module")
def video_env():
    try:
        return video_python()
    except RuntimeError as error:
        if os.environ.get("CI"):
            raise  # `make test` builds the video environment: CI must not skip these
        pytest.skip(f"no video environment: {error}")


def _landmarks(result):
    parquet = WideParquet(result["path"])
    return parquet.read_sequence(result["sequence_id"])


def _hand(frames, part):
    return frames[:, PART_OFFSET[part]:PART_OFFSET[part] + 21]


def test_thumbs_up_photo_matches_mediapipes_expected_landmarks(video_env, tmp_path):
    import json
    photo = shared("hands/hand_landmarker_ios_HandLandmarkerTests_thumbs-up.png")
    expected = np.array(json.loads(shared("hands/thumbs-up_expected_landmarks.json").read_text())["landmarks"])
    (result,) = extract([str(photo)], tmp_path, progress=False)
    assert result["ok"] and result["frames"] == 1
    frames = _landmarks(result)
    hands = [_hand(frames, p)[0] for p in ("left_hand", "right_hand") if np.isfinite(_hand(frames, p)).all()]
    assert len(hands) == 1
    assert np.abs(hands[0] - expected).mean() < 0.02


def test_hand_videos_detect_a_hand_in_most_frames(video_env, tmp_path):
    videos = [shared("hands/hand_landmarker_android_androidTest_test_video.mp4"),
              shared("hands/gesture_recognizer_android_androidTest_test_video.mp4")]
    results = extract([str(v) for v in videos], tmp_path, progress=False)
    for result in results:
        assert result["ok"] and result["frames"] > 100 and result["fps"] > 0
        frames = _landmarks(result)
        detected = np.isfinite(_hand(frames, "left_hand")[:, 0, 0]) | np.isfinite(_hand(frames, "right_hand")[:, 0, 0])
        assert detected.mean() > 0.5
    metadata = pd.read_csv(tmp_path / "metadata.csv", keep_default_na=False)
    assert list(metadata.columns[:5]) == ["path", "file_id", "sequence_id", "participant_id", "phrase"]
    assert len(metadata) == 2 and (metadata.frames == [r["frames"] for r in results]).all()


def test_business_person_photo_gives_pose_and_face(video_env, tmp_path):
    (result,) = extract([str(shared("hands/holistic_landmarker_ios_HolisticLandmarkerTests_business-person.png"))],
                        tmp_path, progress=False)
    frames = _landmarks(result)[0]
    assert np.isfinite(frames[PART_OFFSET["face"]:PART_OFFSET["face"] + 468]).all()
    assert np.isfinite(frames[PART_OFFSET["pose"]:PART_OFFSET["pose"] + 33]).all()
    assert 0 < frames[PART_OFFSET["face"], 0] < 1 and 0 < frames[PART_OFFSET["face"], 1] < 1


def _write_video(python, path, frames):
    """A video written by OpenCV in the video environment (the main one has no OpenCV)."""
    code = ("import sys, cv2, numpy as np\n"
            "w = cv2.VideoWriter(sys.argv[1], cv2.VideoWriter_fourcc(*'mp4v'), 25, (64, 48))\n"
            f"[w.write(np.full((48, 64, 3), 30 + i % 5, np.uint8)) for i in range({frames})]\nw.release()")
    subprocess.run([python, "-c", code, str(path)], check=True)


def test_bad_inputs_get_a_message_each_and_leave_nothing_half_written(video_env, tmp_path, capsys):
    good = shared("hands/hand_landmarker_ios_HandLandmarkerTests_thumbs-up.png")
    not_video, empty, nobody = tmp_path / "notes.mp4", tmp_path / "empty.mp4", tmp_path / "nobody.mp4"
    not_video.write_text("this is not a video")
    empty.write_bytes(b"")
    _write_video(video_env, nobody, 20)
    corrupt = tmp_path / "corrupt.mp4"
    data = bytearray(shared("hands/hand_landmarker_android_androidTest_test_video.mp4").read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4000] = bytes(4000)  # damaged frames in the middle
    corrupt.write_bytes(bytes(data))
    out = tmp_path / "out"
    code = main(["extract", str(not_video), str(empty), str(nobody), str(good), str(corrupt), "-o", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "notes.mp4: not a readable video" in err and "empty.mp4: empty file" in err
    assert "nobody.mp4: no person detected" in err
    written = sorted(p.name for p in (out / "landmarks").iterdir())
    assert not [n for n in written if "tmp" in n]
    metadata = pd.read_csv(out / "metadata.csv")
    assert set(metadata.source.map(lambda s: s.rsplit("/", 1)[-1])) >= {good.name}
    assert len(written) == len(metadata)  # one file per extracted input, each complete
    damaged = metadata[metadata.source.str.endswith("corrupt.mp4")]
    # decoded around the damage (most frames kept), or refused with its own message: never a crash
    assert (len(damaged) == 1 and damaged.frames.iloc[0] > 100) or "corrupt.mp4: " in err


def test_predict_and_show_straight_from_a_video(video_env, tmp_path, capsys):
    """As a newcomer would: `fingerspell predict clip.mp4` with no model (the bundled one), then a picture
    of the extracted landmarks marking where the bundled model read what."""
    video = shared("hands/gesture_recognizer_android_androidTest_test_video.mp4")
    assert main(["predict", str(video), "--json"]) == 0
    reading = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert reading["frames"] == 195 and isinstance(reading["text"], str)
    (result,) = extract([str(video)], tmp_path, progress=False)
    assert main(["show", result["path"], "--read", "-o", str(tmp_path / "sheet.png")]) == 0
    assert (tmp_path / "sheet.png").stat().st_size > 5000


def test_missing_video_environment_is_actionable(monkeypatch, tmp_path):
    import fingerspell.video.extract as module
    monkeypatch.setenv("FINGERSPELL_VIDEO_PYTHON", str(tmp_path / "nowhere"))
    monkeypatch.setattr(module, "DEFAULT_VIDEO_ENV", tmp_path / "none")
    monkeypatch.setattr(module, "__file__", str(tmp_path / "a" / "b" / "c" / "d.py"))
    with pytest.raises(RuntimeError, match="fingerspell setup-video"):
        module.video_python()
