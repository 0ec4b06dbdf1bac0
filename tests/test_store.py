import json

import numpy as np
import pandas as pd
import pytest

from fingerspell import store as store_module
from fingerspell.landmarks import DataError, WideParquet
from fingerspell.store import Store, assign_splits, prepare, store_landmarks


def test_store_holds_the_model_landmarks_of_every_sequence(tiny_dataset, tiny_store):
    store = Store(tiny_store)
    assert len(store) == 140 and store.header["skipped"] == 0
    assert store.landmarks.shape == (store.header["frames"], 54, 3)
    assert store.header["landmarks"][0] == "left_hand_0" and store.header["landmarks"][-1] == "pose_22"
    row = store.sequences.iloc[-1]
    source = WideParquet(tiny_dataset / row.file).read_sequence(int(row.sequence_id), store.columns)
    stored = store[len(store) - 1]
    assert stored.shape == source.shape and stored.dtype == np.float32
    assert np.array_equal(np.isnan(stored), np.isnan(source))
    np.testing.assert_array_equal(stored, source)  # float32 store: exact
    train = pd.read_csv(tiny_dataset / "train.csv", keep_default_na=False)
    phrases = dict(zip(train.sequence_id, train.phrase))
    assert all(phrases[s] == p for s, p in zip(store.sequences.sequence_id, store.sequences.phrase) if s in phrases)


def test_lips_option_and_float16(tiny_dataset, tiny_store, tmp_path):
    report = prepare(tiny_dataset, tmp_path / "s", lips=True, dtype="float16", progress=False)
    store = Store(tmp_path / "s")
    assert store.landmarks.shape[1] == 94 == len(store_landmarks(lips=True)) and store.landmarks.dtype == np.float16
    exact = Store(tiny_store)
    np.testing.assert_allclose(store[3][:, :54], exact[3], atol=1e-3, equal_nan=True)
    assert report.sequences == 140


def test_splits_never_share_a_signer(tiny_store):
    table = Store(tiny_store).sequences
    signers = {name: set(table[table.split == name].participant_id) for name in ("train", "val", "test")}
    assert all(signers.values())
    assert not (signers["train"] & signers["val"]) and not (signers["train"] & signers["test"])
    assert not (signers["val"] & signers["test"])


def test_split_assignment_is_deterministic():
    ids = list(range(94))
    a, b = assign_splits(ids, seed=0), assign_splits(list(reversed(ids)), seed=0)
    assert a == b and assign_splits(ids, seed=1) != a
    assert sum(v == "test" for v in a.values()) == 9 and sum(v == "val" for v in a.values()) == 9


def test_random_batch_reads(tiny_store):
    store = Store(tiny_store)
    batch = store.batch(np.random.default_rng(0).integers(0, len(store), 64))
    assert len(batch) == 64 and all(b.shape[1:] == (54, 3) for b in batch)
    with pytest.raises(ValueError, match="unknown split"):
        store.split("dev")


def test_kill_during_prepare_resumes_without_redoing_done_files(tiny_dataset, tmp_path, monkeypatch):
    real, calls = store_module.convert_file, []

    def dies_on_second_file(*args):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(*args)
    monkeypatch.setattr(store_module, "convert_file", dies_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        prepare(tiny_dataset, tmp_path / "s", progress=False)
    assert not (tmp_path / "s" / "header.json").exists()
    with pytest.raises(DataError, match="not a complete store"):
        Store(tmp_path / "s")
    monkeypatch.setattr(store_module, "convert_file", real)
    report = prepare(tiny_dataset, tmp_path / "s", progress=False)
    assert report.files_reused == 1 and report.files_converted == 2 and report.sequences == 140
    with pytest.raises(FileExistsError):
        prepare(tiny_dataset, tmp_path / "s", progress=False)


def test_parallel_prepare_matches_serial(tiny_dataset, tiny_store, tmp_path):
    prepare(tiny_dataset, tmp_path / "p", workers=2, progress=False)
    assert np.array_equal(np.load(tmp_path / "p" / "landmarks.npy"), np.load(tiny_store / "landmarks.npy"),
                          equal_nan=True)
    assert (tmp_path / "p" / "sequences.csv").read_text() == (tiny_store / "sequences.csv").read_text()
    header = json.loads((tmp_path / "p" / "header.json").read_text())
    assert header["format"] == "fingerspell-store" and header["version"] == 1
