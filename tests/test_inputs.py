"""What users hand to predict/show: .pose files, Kaggle dataset folders, folders of files; --format files."""
import json

import numpy as np
import pandas as pd
import pytest

from conftest import export_tiny, shared
from fingerspell.cli import main
from fingerspell.io.inputs import read_pose_landmarks
from fingerspell.layout import PART_OFFSET
from fingerspell.errors import DataError


@pytest.fixture(scope="module")
def tiny_export(tiny_store, tmp_path_factory):
    return export_tiny("ctc", tiny_store, tmp_path_factory)[2]


def test_pose_file_becomes_holistic_landmarks():
    path = sorted(shared("real_letters/spoken_to_signed_ase").glob("*.pose"))[0]
    frames = read_pose_landmarks(path)
    assert frames.shape[1:] == (543, 3) and frames.dtype == np.float32
    hands = [frames[:, PART_OFFSET[p]:PART_OFFSET[p] + 21, :2] for p in ("left_hand", "right_hand")]
    seen = [np.isfinite(h[:, 0, 0]).sum() for h in hands]
    assert max(seen) > 0  # a letter clip: one hand seen in its frames
    found = np.concatenate([h[np.isfinite(h)] for h in hands])
    assert 0 <= found.min() and found.max() <= 1  # image-normalised like the Kaggle data, not pixels


def test_truncated_pose_file_names_the_file(tmp_path):
    path = sorted(shared("real_letters/spoken_to_signed_ase").glob("*.pose"))[0]
    cut = tmp_path / "cut.pose"
    cut.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match="cut.pose"):
        read_pose_landmarks(cut)


def test_predict_pose_file_and_kaggle_folder_with_format_files(tiny_export, tiny_dataset, tmp_path, capsys):
    pose = sorted(shared("real_letters/spoken_to_signed_ase").glob("*.pose"))[0]
    sequence_id = int(pd.read_csv(tiny_dataset / "train.csv").sequence_id[3])
    assert main(["predict", str(pose), str(tiny_dataset), "--model", str(tiny_export), "--sequence-id",
                 str(sequence_id), "--json", "--format", "json", "--output-dir", str(tmp_path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["sequence_id"] for line in lines] == [None, sequence_id]
    assert lines[0]["frames"] > 0 and len(lines[1]["confidence"]) == len(lines[1]["text"])
    written = json.loads((tmp_path / f"{pose.stem}.json").read_text())
    assert written == [lines[0]]
    assert json.loads((tmp_path / f"{tiny_dataset.name}.json").read_text()) == [lines[1]]


# these tests read greedy: their subject is the inputs, and the beam search over a barely trained model's flat
# probabilities takes seconds per file (decoding has its own tests)
def test_format_files_land_beside_the_input(tiny_export, tiny_dataset, tmp_path, capsys):
    source = next((tiny_dataset / "train_landmarks").glob("*.parquet"))
    copy = tmp_path / "clip.parquet"
    copy.write_bytes(source.read_bytes())
    for kind in ("txt", "csv"):
        assert main(["predict", str(copy), "--model", str(tiny_export), "--format", kind, "--decoder", "greedy"]) == 0
    printed = [line.split("\t")[1] for line in capsys.readouterr().out.splitlines()]
    texts = (tmp_path / "clip.txt").read_text().splitlines()
    assert [t.split("\t")[1] for t in texts] == printed[: len(texts)] and len(texts) == 60
    table = pd.read_csv(tmp_path / "clip.csv", keep_default_na=False)
    assert table.text.tolist() == [t.split("\t")[1] for t in texts] and set(table.columns) >= {"confidence", "frames"}


def test_folder_inputs_expand_or_say_what_was_expected(tiny_export, tiny_dataset, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["predict", str(empty), "--model", str(tiny_export)]) == 2
    assert "neither a Kaggle dataset" in capsys.readouterr().err
    files = tmp_path / "files"
    files.mkdir()
    for source in (tiny_dataset / "train_landmarks").glob("*.parquet"):
        (files / source.name).write_bytes(source.read_bytes())
    assert main(["predict", str(files), "--model", str(tiny_export), "--decoder", "greedy"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 120
    assert main(["predict", str(tiny_dataset), "--model", str(tiny_export), "--sequence-id", "12"]) == 1
    assert "sequence_id 12 is not in" in capsys.readouterr().err


def test_show_reads_a_kaggle_folder_by_sequence_id(tiny_dataset, tmp_path, capsys):
    row = pd.read_csv(tiny_dataset / "train.csv", keep_default_na=False).iloc[5]
    out = tmp_path / "sheet.png"
    assert main(["show", str(tiny_dataset), "--sequence-id", str(row.sequence_id), "-o", str(out)]) == 0
    assert out.stat().st_size > 5000
    assert main(["show", str(tmp_path), "-o", str(tmp_path / "x.png")]) == 2
    assert "not a Kaggle dataset" in capsys.readouterr().err
