import json

import numpy as np
import pandas as pd
import pytest

from fingerspell.store import store as store_module
from fingerspell.cli import main
from fingerspell.errors import DataError
from fingerspell.io.kaggle import WideParquet
from fingerspell.store.splits import SPLITS, SplitRule, assign_splits, set_aside_seen_phrases
from fingerspell.store.store import Store, prepare, store_landmarks
from fingerspell.synth.corpus import synthesize


@pytest.fixture(scope="module")
def repeated_phrases(tmp_path_factory):
    """40 sequences by 6 signers: even rows sign one of 3 shared phrases, odd rows a phrase of their own."""
    root = tmp_path_factory.mktemp("repeated_phrases")
    synthesize(root, sequences=40, signers=6, seed=3, sequences_per_file=40, progress=False)
    table = pd.read_csv(root / "train.csv", keep_default_na=False)
    table["phrase"] = [f"shared {k % 3}" if k % 2 == 0 else f"only {k}" for k in range(len(table))]
    table.to_csv(root / "train.csv", index=False)
    return root


def _phrases(table, *splits) -> set[str]:
    return set(table[table.split.isin(splits)].phrase)


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
    assert len(store.split("unused")) == store.header["splits"]["unused"] > 0


def test_default_splits_are_phrase_disjoint(tiny_store):
    store = Store(tiny_store)
    table, header = store.sequences, store.header
    assert not _phrases(table, "train") & _phrases(table, "val", "test")
    assert header["split_rule"]["phrase_disjoint"] is True and header["sequences"] == len(table)
    assert header["splits"] == {name: int((table.split == name).sum()) for name in SPLITS}
    assert set(table.split) <= set(SPLITS) and sum(header["splits"].values()) == len(table)
    unused = table[table.split == "unused"]
    assert header["moved_to_unused"] == len(unused) > 0
    assert set(unused.phrase) <= _phrases(table, "val", "test")  # set aside for a reason, every one
    signer_split = assign_splits(table.participant_id)
    assert all(signer_split[p] == "train" for p in unused.participant_id)  # only ever taken from train


def test_set_aside_seen_phrases_moves_only_train_rows_with_held_out_phrases():
    split = pd.Series(["train", "train", "train", "val", "test", "val", "train"])
    phrase = pd.Series(["a", "b", "c", "a", "c", "d", "a"])
    moved = set_aside_seen_phrases(split, phrase)
    assert moved.tolist() == ["unused", "train", "unused", "val", "test", "val", "unused"]
    assert split.tolist()[0] == "train"  # the input is left alone


def test_phrase_overlap_exists_unless_prepare_sets_it_aside(repeated_phrases, tmp_path):
    prepare(repeated_phrases, tmp_path / "overlap", split_rule=SplitRule(phrase_disjoint=False), progress=False)
    report = prepare(repeated_phrases, tmp_path / "disjoint", progress=False)
    overlap, disjoint = Store(tmp_path / "overlap"), Store(tmp_path / "disjoint")
    before, after = overlap.sequences, disjoint.sequences
    assert _phrases(before, "train") & _phrases(before, "val", "test")  # the leak being fixed
    assert not _phrases(after, "train") & _phrases(after, "val", "test")
    assert overlap.header["split_rule"]["phrase_disjoint"] is False and overlap.header["moved_to_unused"] == 0
    assert overlap.header["splits"]["unused"] == 0 and "unused" not in set(before.split)
    moved = (before.split == "train") & before.phrase.isin(_phrases(before, "val", "test"))
    assert (after.split == "unused").tolist() == moved.tolist() and report.unused == moved.sum() > 0
    assert after.split.where(~moved, "train").tolist() == before.split.tolist()  # nothing else changed
    assert len(disjoint.split("train")) > 0 and disjoint.header["moved_to_unused"] == report.unused
    assert (disjoint.header["splits"]["train"] + report.unused) == overlap.header["splits"]["train"]


def test_cli_prepare_reports_the_set_aside_sequences(repeated_phrases, tmp_path, capsys):
    assert main(["prepare", str(repeated_phrases), str(tmp_path / "d"), "--workers", "1", "--quiet"]) == 0
    moved = Store(tmp_path / "d").header["moved_to_unused"]
    assert moved > 0
    assert f'set aside {moved} train sequences as "unused"' in capsys.readouterr().out
    assert main(["prepare", str(repeated_phrases), str(tmp_path / "o"), "--workers", "1", "--quiet",
                 "--phrase-overlap"]) == 0
    assert "set aside" not in capsys.readouterr().out
    assert Store(tmp_path / "o").header["split_rule"]["phrase_disjoint"] is False


def test_kill_during_prepare_resumes_without_redoing_done_files(tiny_dataset, tiny_store, tmp_path, monkeypatch):
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
    for other in ({"dtype": "float16"}, {"lips": True}):  # finished parts must not mix with other kinds
        with pytest.raises(DataError, match=f"{next(iter(other))} was"):
            prepare(tiny_dataset, tmp_path / "s", progress=False, **other)
    report = prepare(tiny_dataset, tmp_path / "s", progress=False)
    assert report.files_reused == 1 and report.files_converted == 2 and report.sequences == 140
    # the splits (phrase-disjoint ones included) are made at assembly, so a resumed store splits like a fresh one
    assert (tmp_path / "s" / "sequences.csv").read_text() == (tiny_store / "sequences.csv").read_text()
    with pytest.raises(FileExistsError):
        prepare(tiny_dataset, tmp_path / "s", progress=False)


def test_kill_during_the_join_resumes_and_each_part_goes_once_copied(tiny_dataset, tiny_store, tmp_path,
                                                                     monkeypatch):
    """The join deletes a part's landmarks once they are in landmarks.npy, so the disk never holds them twice;
    killed in the middle (after copying the second part, before deleting it), prepare resumes the join."""
    from pathlib import Path
    real_unlink, deleted = Path.unlink, []

    def dies_deleting_the_second_part(self, *args, **kwargs):
        if self.suffix == ".npy" and self.parent.name == ".parts":
            deleted.append(self.name)
            if len(deleted) == 2:
                raise KeyboardInterrupt("killed")
        return real_unlink(self, *args, **kwargs)
    monkeypatch.setattr(Path, "unlink", dies_deleting_the_second_part)
    with pytest.raises(KeyboardInterrupt):
        prepare(tiny_dataset, tmp_path / "s", progress=False)
    monkeypatch.undo()
    left = sorted(p.name for p in (tmp_path / "s" / ".parts").glob("[0-9]*.npy"))
    assert len(left) == 2 and deleted[0] not in left and deleted[1] in left
    assert (tmp_path / "s" / "landmarks.tmp.npy").is_file() and not (tmp_path / "s" / "header.json").exists()
    report = prepare(tiny_dataset, tmp_path / "s", progress=False)
    assert report.files_reused == 3 and report.files_converted == 0
    assert np.array_equal(np.load(tmp_path / "s" / "landmarks.npy"), np.load(tiny_store / "landmarks.npy"),
                          equal_nan=True)
    assert (tmp_path / "s" / "sequences.csv").read_text() == (tiny_store / "sequences.csv").read_text()
    assert not (tmp_path / "s" / ".parts").exists() and not (tmp_path / "s" / "landmarks.tmp.npy").exists()


def test_parallel_prepare_matches_serial(tiny_dataset, tiny_store, tmp_path):
    prepare(tiny_dataset, tmp_path / "p", workers=2, progress=False)
    assert np.array_equal(np.load(tmp_path / "p" / "landmarks.npy"), np.load(tiny_store / "landmarks.npy"),
                          equal_nan=True)
    assert (tmp_path / "p" / "sequences.csv").read_text() == (tiny_store / "sequences.csv").read_text()
    header = json.loads((tmp_path / "p" / "header.json").read_text())
    assert header["format"] == "fingerspell-store" and header["version"] == 1
