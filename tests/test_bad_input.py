"""Every bad input of the foundation issue: a clear error naming file and sequence, or with --skip-bad a
JSON record of each skipped sequence; never a silent drop, never a store that looks complete but is not."""
import json
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fingerspell.cli import main
from fingerspell.errors import DataError
from fingerspell.store.store import Store, prepare


@pytest.fixture
def dataset(tiny_dataset, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(tiny_dataset, root)
    return root


def _train(root):
    return pd.read_csv(root / "train.csv", keep_default_na=False)


def _first_file(root):
    row = _train(root).iloc[0]
    return root / row.path, int(row.sequence_id)


def _rewrite(path, change):
    table = change(pq.read_table(path))
    pq.write_table(table, path)


def _expect(root, tmp_path, match, sequence_id=None, file_part=None):
    """Without --skip-bad: a DataError naming file and sequence. With it: each skip recorded."""
    with pytest.raises(DataError, match=match) as info:
        prepare(root, tmp_path / "store", progress=False)
    message = str(info.value)
    if sequence_id is not None:
        assert f"sequence {sequence_id}" in message
    if file_part is not None:
        assert file_part in message
    assert not (tmp_path / "store" / "header.json").exists()
    report = prepare(root, tmp_path / "store", skip_bad=True, progress=False)
    skipped = json.loads((tmp_path / "store" / "skipped.json").read_text())
    assert len(skipped) == len(report.skipped) > 0 and all(s["reason"] for s in skipped)
    rows = len(_train(root)) + len(pd.read_csv(root / "supplemental_metadata.csv"))
    assert report.sequences + len(skipped) == rows  # nothing dropped silently
    assert len(Store(tmp_path / "store")) == report.sequences
    return skipped


@pytest.mark.slow
def test_csv_row_pointing_at_a_missing_file(dataset, tmp_path):
    path, sid = _first_file(dataset)
    path.unlink()
    skipped = _expect(dataset, tmp_path, "not found", sid, path.name)
    assert len(skipped) == 60 and all("not found" in s["reason"] for s in skipped)


def test_truncated_parquet(dataset, tmp_path):
    path, sid = _first_file(dataset)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    skipped = _expect(dataset, tmp_path, "parquet", sid, path.name)
    assert len(skipped) == 60


def test_corrupt_parquet_body(dataset, tmp_path):
    path, sid = _first_file(dataset)
    meta = pq.ParquetFile(path).metadata
    column = meta.schema.names.index("x_right_hand_0")
    chunk = meta.row_group(0).column(column)
    data = bytearray(path.read_bytes())
    start = chunk.data_page_offset
    data[start:start + chunk.total_compressed_size] = bytes(chunk.total_compressed_size)  # intact footer
    path.write_bytes(bytes(data))
    _expect(dataset, tmp_path, "corrupt|parquet", sid, path.name)


def test_missing_columns(dataset, tmp_path):
    path, sid = _first_file(dataset)
    _rewrite(path, lambda t: t.drop_columns(["x_right_hand_3", "y_pose_11"]))
    _expect(dataset, tmp_path, "2 missing columns.*x_right_hand_3", sid, path.name)


def test_extra_columns(dataset, tmp_path):
    path, sid = _first_file(dataset)
    _rewrite(path, lambda t: t.append_column("confidence", pa.array(np.zeros(t.num_rows, np.float32))))
    _expect(dataset, tmp_path, "unexpected columns.*confidence", sid, path.name)


def test_float64_columns(dataset, tmp_path):
    path, sid = _first_file(dataset)

    def widen(table):
        i = table.column_names.index("x_right_hand_0")
        return table.set_column(i, "x_right_hand_0", table.column(i).cast(pa.float64()))
    _rewrite(path, widen)
    _expect(dataset, tmp_path, "not float32.*x_right_hand_0.*double", sid, path.name)


def test_duplicate_sequence_id_in_the_csv(dataset, tmp_path):
    train = _train(dataset)
    duplicate = train.iloc[[3]]
    pd.concat([train, duplicate]).to_csv(dataset / "train.csv", index=False)
    skipped = _expect(dataset, tmp_path, "duplicate sequence_id", int(duplicate.sequence_id.iloc[0]), "train.csv")
    assert len(skipped) == 1


def test_duplicate_sequence_id_in_the_parquet(dataset, tmp_path):
    path, sid = _first_file(dataset)
    # the first sequence's rows appear again at the end of the file: two separate runs
    _rewrite(path, lambda t: pa.concat_tables([t, t.slice(0, 5)]))
    _expect(dataset, tmp_path, "two separate runs", sid, path.name)


def test_sequence_with_zero_frames(dataset, tmp_path):
    train = _train(dataset)
    ghost = train.iloc[[0]].assign(sequence_id=999)
    pd.concat([train, ghost]).to_csv(dataset / "train.csv", index=False)
    skipped = _expect(dataset, tmp_path, "0 frames", 999)
    assert [s["sequence_id"] for s in skipped] == [999]


def test_phrase_outside_the_59_characters(dataset, tmp_path):
    train = _train(dataset)
    train.loc[5, "phrase"] = "Café"
    train.to_csv(dataset / "train.csv", index=False)
    skipped = _expect(dataset, tmp_path, "outside the 59.*'C'.*'é'", int(train.sequence_id[5]), "train.csv")
    assert len(skipped) == 1


def test_csv_path_escaping_the_dataset_root(dataset, tmp_path):
    train = _train(dataset)
    outside = tmp_path / "outside.parquet"
    shutil.copy(dataset / train.path[0], outside)
    train.loc[2, "path"] = "../outside.parquet"
    train.loc[4, "path"] = str(outside)  # absolute
    train.to_csv(dataset / "train.csv", index=False)
    skipped = _expect(dataset, tmp_path, "escapes the dataset root", int(train.sequence_id[2]))
    assert len(skipped) == 2


def test_cli_reports_the_count_and_exit_code(dataset, tmp_path, capsys):
    path, sid = _first_file(dataset)
    path.unlink()
    assert main(["prepare", str(dataset), str(tmp_path / "s"), "--quiet"]) == 2
    assert f"sequence {sid}" in capsys.readouterr().err
    assert main(["prepare", str(dataset), str(tmp_path / "s2"), "--skip-bad", "--quiet", "--workers", "1"]) == 0
    assert "skipped 60 sequences" in capsys.readouterr().out


def test_truncated_or_mismatched_checkpoint_is_a_clear_error(tmp_path, capsys):
    """A checkpoint cut short (a full disk, a partial copy) or holding weights of another model: the command
    names the file and says what is wrong, no traceback."""
    import tensorflow as tf
    from fingerspell.training import checkpoint
    from fingerspell.training.config import preset
    run = tmp_path / "run"
    config = preset("ctc").with_settings(["ctc.dim=32", "ctc.groups=1", "ctc.heads=2"])
    checkpoint.save(run, "best", {"config": config.to_dict(), "num_features": 162},
                    [tf.Variable(np.ones((3, 3), np.float32))], [], [])
    assert main(["export", str(run), "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert str(run / "best") in error and "do not fit the model" in error, error
    files = sorted(p for p in (run / "best").iterdir() if p.name.startswith("ckpt-"))
    assert [p.suffix for p in files] == [".data-00000-of-00001", ".index"], files
    for path in files:
        whole = path.read_bytes()
        for cut in (0, 20, len(whole) // 2, len(whole) - 10):
            path.write_bytes(whole[:cut])
            assert main(["export", str(run), "-o", str(tmp_path / "out")]) == 2
            error = capsys.readouterr().err
            assert str(run / "best") in error and "truncated" in error and "Traceback" not in error, error
        path.write_bytes(whole)
    old = tmp_path / "old"
    old.mkdir()
    (old / "best.npz").write_bytes(b"PK")  # a run of fingerspell before checkpoints were TensorFlow's
    assert main(["export", str(old), "-o", str(tmp_path / "out")]) == 2
    assert "best.npz" in (error := capsys.readouterr().err) and "before version 2" in error, error
    assert not (tmp_path / "out" / "model.tflite").exists()
