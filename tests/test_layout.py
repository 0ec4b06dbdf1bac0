import numpy as np
import pandas as pd
import pytest

from conftest import shared
from fingerspell import layout
from fingerspell.errors import DataError
from fingerspell.io import kaggle


def test_kaggle_column_order():
    cols = layout.COORDINATE_COLUMNS
    assert len(cols) == 1629 and len(set(cols)) == 1629
    assert cols[0] == "x_face_0" and cols[467] == "x_face_467" and cols[468] == "x_left_hand_0"
    assert cols[489] == "x_pose_0" and cols[522] == "x_right_hand_0" and cols[542] == "x_right_hand_20"
    assert cols[543] == "y_face_0" and cols[1086] == "z_face_0" and cols[-1] == "z_right_hand_20"


def test_columns_for_and_back():
    indices = layout.part_indices("right_hand") + layout.part_indices("pose", [16, 14])
    cols = layout.columns_for(indices)
    assert cols[:2] == ["x_right_hand_0", "x_right_hand_1"] and cols[23] == "y_right_hand_0"
    assert layout.indices_for_columns(cols) == indices
    with pytest.raises(ValueError):
        layout.indices_for_columns(cols[:-1])


def test_read_long_layout_on_real_islr_file():
    path = shared("islr/islr_2044_635217.csv")
    frames = kaggle.read_long(path)
    assert frames.shape == (7, 543, 3) and frames.dtype == np.float32
    left = frames[:, layout.PART_OFFSET["left_hand"]:layout.PART_OFFSET["left_hand"] + 21]
    assert np.isnan(left).all()  # the README: left hand NaN throughout
    raw = pd.read_csv(path)
    row = raw[(raw.frame == 22) & (raw.type == "pose") & (raw.landmark_index == 0)].iloc[0]
    np.testing.assert_allclose(frames[0, layout.PART_OFFSET["pose"]], [row.x, row.y, row.z], rtol=1e-6)
    assert np.isfinite(frames[:, :468]).all()


def test_read_long_rejects_wide_file(tiny_dataset):
    wide = next((tiny_dataset / "train_landmarks").glob("*.parquet"))
    with pytest.raises(DataError, match="not the long layout"):
        kaggle.read_long(wide)


def test_wide_reader_finds_one_sequence_by_row_group(tiny_dataset):
    path = next((tiny_dataset / "train_landmarks").glob("*.parquet"))
    parquet = kaggle.WideParquet(path)
    parquet.check_schema()
    index = parquet.sequence_index()
    sequence_id = list(index)[-1]
    groups = parquet.row_groups_holding(sequence_id)
    assert 0 < len(groups) < parquet.file.metadata.num_row_groups  # the rest of the file is not read
    one = parquet.read_sequence(sequence_id)
    start, stop = index[sequence_id]
    whole = pd.read_parquet(path, columns=list(layout.COORDINATE_COLUMNS)).to_numpy(np.float32)  # every row group
    expected = whole[start:stop].reshape(stop - start, 3, layout.NUM_LANDMARKS).transpose(0, 2, 1)
    np.testing.assert_array_equal(one, expected)
    with pytest.raises(DataError, match="0 frames"):
        parquet.read_sequence(12345)


def test_pandas_sees_the_kaggle_layout(tiny_dataset):
    path = next((tiny_dataset / "train_landmarks").glob("*.parquet"))
    frame = pd.read_parquet(path)
    assert frame.index.name == "sequence_id"
    assert list(frame.columns) == ["frame", *layout.COORDINATE_COLUMNS]
    assert frame["frame"].dtype == np.int16 and (frame.dtypes.iloc[1:] == np.float32).all()


def test_landmarks_table_is_what_pandas_writes():
    """The column-by-column table equals the DataFrame route: values, NaN as null, index metadata, bytes."""
    import io
    import pyarrow as pa
    import pyarrow.parquet as pq
    rng = np.random.default_rng(5)
    arrays = [rng.random((n, layout.NUM_LANDMARKS, 3)).astype(np.float32) for n in (3, 11, 7)]
    arrays[1][::2, layout.PART_OFFSET["left_hand"]:layout.PART_OFFSET["left_hand"] + 21] = np.nan
    ids = [1_000_000_007, 1_000_000_003, 1_000_000_011]
    frame = pd.DataFrame(np.concatenate(arrays).transpose(0, 2, 1).reshape(-1, 3 * layout.NUM_LANDMARKS),
                         columns=list(layout.COORDINATE_COLUMNS))
    frame.insert(0, layout.FRAME_COLUMN, np.concatenate([np.arange(len(a), dtype=np.int16) for a in arrays]))
    frame.index = pd.Index(np.repeat(np.asarray(ids, np.int64), [len(a) for a in arrays]), name=layout.SEQUENCE_COLUMN)
    expected = pa.Table.from_pandas(frame, preserve_index=True)
    table = kaggle.landmarks_table(arrays, ids)
    assert table.schema.equals(expected.schema, check_metadata=True) and table.equals(expected)
    assert table.column("x_left_hand_0").null_count == 6

    def written(t):
        sink = io.BytesIO()
        pq.write_table(t, sink, compression="zstd")
        return sink.getvalue()
    assert written(table) == written(expected)


def test_frames_a_live_reader_missed_are_filled_in_linearly_between_those_read():
    from fingerspell.inference import fill_missed_frames
    rng = np.random.default_rng(0)
    frames = rng.random((4, 543, 3)).astype(np.float32)
    frames[1, 468:489] = np.nan  # the left hand lost in the second frame read
    positions = [10, 11, 14, 16]  # camera frames 12, 13 and 15 missed
    filled = fill_missed_frames(frames, positions)
    assert filled.shape == (7, 543, 3) and filled.dtype == np.float32
    np.testing.assert_array_equal(filled[[0, 1, 4, 6]], frames)  # frames read stay as read, NaN included
    np.testing.assert_allclose(filled[5], (frames[2] + frames[3]) / 2, rtol=1e-6)
    np.testing.assert_allclose(filled[2, :468], frames[1, :468] * 2 / 3 + frames[2, :468] / 3, rtol=1e-6)
    assert np.isnan(filled[2:4, 468:489]).all() and np.isfinite(filled[2:4, 489:]).all()  # missing in one neighbour
    np.testing.assert_array_equal(fill_missed_frames(frames, [0, 1, 2, 3]), frames)  # nothing missed: unchanged
    for bad in ([0, 1, 1, 2], [3, 2, 1, 0], [0, 1, 2]):
        with pytest.raises(ValueError, match="increasing camera frame number"):
            fill_missed_frames(frames, bad)


def test_the_video_worker_writes_frames_in_this_layout():
    """video/holistic_worker.py runs where fingerspell cannot be imported, so it writes the layout out: the
    same parts, counts and order as layout.py."""
    import ast
    from fingerspell.video import extract
    tree = ast.parse(extract.WORKER.read_text(encoding="utf-8"))
    (parts,) = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "PARTS" for t in node.targets)]
    assert tuple(parts) == layout.PARTS
