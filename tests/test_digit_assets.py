"""tools/make_digit_assets.py: the real digit photos -> the packaged digit hands; bad photos named, not zero-filled."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import shared

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_digit_assets  # noqa: E402


def test_a_class_folder_without_images_is_named(tmp_path):
    for digit in range(10):
        (tmp_path / str(digit)).mkdir()
    (tmp_path / "3" / "IMG_0001.JPG").write_bytes(b"x")
    problems = []
    found = make_digit_assets.photos_by_digit(tmp_path, problems)
    assert [(p.name, d) for p, d in found] == [("IMG_0001.JPG", 3)]
    assert len(problems) == 9 and all(p["reason"] == "class folder with no images" for p in problems)
    assert str(tmp_path / "0") in {p["path"] for p in problems}


def test_people_are_runs_of_numbered_photos_whose_digit_goes_up():
    photos = [(Path(f"{d}/IMG_{n}.JPG"), d) for n, d in
              [(100, 0), (101, 1), (102, 2), (110, 0), (111, 1), (113, 1), (120, 5)]]
    people = make_digit_assets.people_of(photos)
    assert [people[f"IMG_{n}.JPG"] for n in (100, 101, 102, 110, 111, 113, 120)] == [0, 0, 0, 1, 1, 2, 2]


def test_the_packaged_asset_keeps_the_test_people_apart_and_every_digit():
    from fingerspell.synth.handshapes import DIGIT_BANK_FILE
    with np.load(ROOT / "src" / "fingerspell" / DIGIT_BANK_FILE, allow_pickle=False) as data:
        people, held_out, digits = data["people"], data["held_out"], data["digits"]
        assert data["shapes"].shape == (len(people), 21, 3) and np.isfinite(data["shapes"]).all()
    assert set(people[held_out].tolist()).isdisjoint(people[~held_out].tolist())
    assert 0.15 < len(set(people[held_out].tolist())) / len(set(people.tolist())) < 0.25
    assert set(digits[held_out].tolist()) == set(range(10)) == set(digits[~held_out].tolist())


@pytest.mark.video
def test_corrupt_and_handless_photos_are_named_and_skipped(tmp_path):
    from fingerspell.video.extract import video_python
    try:
        video_python()
    except RuntimeError as error:
        pytest.skip(f"no video environment: {error}")
    source = shared("real_digits/ardamavi_sign_language_digits/Dataset")
    folder = tmp_path / "Dataset"
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
    for digit in (2, 5):
        photo = sorted((source / str(digit)).glob("*.JPG"))[0]
        (folder / str(digit) / photo.name).write_bytes(photo.read_bytes())
    (folder / "7" / "IMG_9999.JPG").write_bytes(b"\xff\xd8 not a jpeg")
    out, report = tmp_path / "digits.npz", tmp_path / "report.json"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_digit_assets.py"), "--source", str(folder),
                           "--extracted", str(tmp_path / "x"), "--out", str(out), "--report", str(report)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    skipped = {Path(p["path"]).name: p["reason"] for p in json.loads(report.read_text())["skipped"]}
    assert "IMG_9999.JPG" in skipped and "IMG_9999.JPG" in done.stdout
    assert skipped["0"] == "class folder with no images"
    with np.load(out, allow_pickle=False) as data:
        assert len(data["digits"]) + sum(n.endswith(".JPG") for n in skipped) == 3
        assert np.isfinite(data["shapes"]).all()
