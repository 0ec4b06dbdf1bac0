"""Export under the competition contract, parity with Keras, edge inputs, predict and evaluate."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fingerspell import load_model
from fingerspell.cli import main
from fingerspell.export.tflite import export_run
from fingerspell.features import selected_columns
from fingerspell.inference import LiteModel, RunModel
from fingerspell.layout import COORDINATE_COLUMNS
from fingerspell.io.kaggle import WideParquet
from fingerspell.store.store import Store
from fingerspell.training.config import preset
from fingerspell.training.trainer import Trainer

from conftest import export_tiny
from fingerspell.vocab import CHAR_TO_INDEX

@pytest.fixture(scope="session", params=["ctc", "seq2seq"])
def exported(request, tiny_store, tmp_path_factory):
    """A barely trained run of each kind (its outputs are far from empty) and its export."""
    return export_tiny(request.param, tiny_store, tmp_path_factory)


def _test_sequences(tiny_dataset, tiny_store, count=8):
    store = Store(tiny_store)
    for index in store.split("test")[:count]:
        row = store.sequences.iloc[index]
        frames = WideParquet(tiny_dataset / row.file).read_sequence(int(row.sequence_id))
        yield row, frames  # the full (frames, 543, 3) landmarks, as a user would hand them over


def test_contract_files_signature_and_size(exported):
    kind, _, folder, info = exported
    assert info["kind"] == kind and 0 < info["bytes"] < 40 * 2**20
    assert json.loads((folder / "inference_args.json").read_text()) == {"selected_columns": selected_columns()}
    assert json.loads((folder / "character_to_prediction_index.json").read_text()) == CHAR_TO_INDEX
    model = LiteModel(folder)
    signature = model.interpreter.get_signature_list()["serving_default"]
    assert signature == {"inputs": ["inputs"], "outputs": ["outputs"]}
    output = model.runner(inputs=np.zeros((30, len(model.columns)), np.float32))["outputs"]
    assert output.ndim == 2 and output.shape[1] == 59 and output.dtype == np.float32


def test_tflite_matches_keras(exported, tiny_dataset, tiny_store):
    _, run, folder, _ = exported
    keras_model, lite = RunModel(run), LiteModel(folder)
    texts = []
    for _, frames in _test_sequences(tiny_dataset, tiny_store):
        texts.append(lite.predict(frames))
        assert texts[-1] == keras_model.predict(frames)
    assert sum(len(t) > 0 for t in texts) >= 6  # a weightless export would not say the same things


@pytest.mark.parametrize("frames", [0, 1, 2000])
def test_edge_lengths_and_missing_hands_never_crash(exported, frames):
    model = LiteModel(exported[2])
    data = np.random.default_rng(frames).uniform(0, 1, (frames, len(model.columns))).astype(np.float32)
    output = model.runner(inputs=data)["outputs"]
    assert output.shape[1] == 59 and (frames > 0 or output.shape[0] == 0)
    blind = np.full((50, len(model.columns)), np.nan, np.float32)  # no hand, no pose detected
    assert isinstance(model.predict(blind), str)


@pytest.mark.slow
def test_fp16_halves_the_file(tiny_store, tmp_path):
    """At the cpu preset's size (tiny tensors stay float32, so a toy model would not show it)."""
    trainer = Trainer(tiny_store, tmp_path / "run", preset("ctc"))  # initial weights: the size is what counts
    trainer.run_dir.mkdir()
    trainer.save("best", {"step": 0})
    full, half = export_run(tmp_path / "run", tmp_path / "fp32"), export_run(tmp_path / "run", tmp_path / "fp16", fp16=True)
    assert half["bytes"] < 0.55 * full["bytes"]
    sequence = np.random.default_rng(0).uniform(0, 1, (60, 162)).astype(np.float32)
    assert LiteModel(tmp_path / "fp16").predict(sequence) == LiteModel(tmp_path / "fp32").predict(sequence)


def test_predict_cli_many_inputs_and_a_bad_one(exported, tiny_dataset, tmp_path, capsys):
    folder = exported[2]
    train_csv = pd.read_csv(tiny_dataset / "train.csv", keep_default_na=False)
    first = train_csv.iloc[0]
    kaggle = tiny_dataset / first.path
    single = tmp_path / "one.parquet"  # a single-sequence wide file without the sequence_id column
    frame = pd.read_parquet(kaggle).loc[first.sequence_id].reset_index(drop=True)
    frame[["frame", *COORDINATE_COLUMNS]].to_parquet(single)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    code = main(["predict", str(folder / "model.tflite"), str(kaggle), str(broken), str(single),
                 "--sequence-id", str(first.sequence_id), "--json"])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 1 and "broken.parquet" in captured.err, captured.err
    assert captured.err.count("skipped") == 1, captured.err
    assert [line["input"] for line in lines] == [str(kaggle), str(single)]
    assert lines[0]["text"] == lines[1]["text"] and lines[0]["sequence_id"] == first.sequence_id
    assert len(lines[0]["confidence"]) == len(lines[0]["text"]) and lines[0]["frames"] > 0
    assert main(["predict", str(kaggle), "--model", str(folder), "--decoder", "greedy"]) == 0  # inputs, not decoding
    assert len(capsys.readouterr().out.splitlines()) == (train_csv.path == first.path).sum()
    assert main(["predict", str(folder), str(kaggle), "--decoder", "greedy"]) == 0  # the older MODEL INPUT... form
    assert "write --model" in capsys.readouterr().err


def test_outputs_rows_carry_the_confidence_of_each_character(exported, tiny_dataset, tiny_store):
    kind, run, folder, _ = exported
    lite, keras_model = LiteModel(folder / "model.tflite"), RunModel(run)
    for _, frames in _test_sequences(tiny_dataset, tiny_store, count=4):
        reading = lite.read(frames)
        rows = lite.runner(inputs=lite_columns(lite, frames))["outputs"]
        assert rows.shape == (len(reading.text), 59) and reading.frames == len(frames)
        assert all(0 < c <= 1 for c in reading.confidence) and (rows.sum(axis=1) <= 1 + 1e-5).all()
        if kind == "seq2seq":
            assert set(np.unique(rows)) <= {0.0, 1.0}
        np.testing.assert_allclose(reading.confidence, keras_model.read(frames).confidence, atol=1e-4)


def lite_columns(model, frames):
    from fingerspell.inference import to_columns
    return to_columns(frames, model.columns)


def test_predict_long_layout_and_python_api(exported, tiny_dataset):
    from conftest import shared
    model = load_model(exported[2] / "model.tflite")
    frames = WideParquet(next((tiny_dataset / "train_landmarks").glob("*.parquet"))).read_sequence(
        int(pd.read_csv(tiny_dataset / "train.csv").sequence_id[0]))
    assert model.predict(frames) == model.predict(frames.copy())
    from fingerspell.inference import read_sequences
    (sequence_id, columns), = read_sequences(shared("islr/islr_2044_635217.csv"), model.columns)
    assert sequence_id is None and columns.shape == (7, len(model.columns))
    assert isinstance(model.predict(columns), str)


def test_predict_runs_without_tensorflow(exported, tiny_dataset):
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
            "from fingerspell.cli import main; sys.exit(main(sys.argv[1:]))")
    kaggle = next((tiny_dataset / "train_landmarks").glob("*.parquet"))
    result = subprocess.run([sys.executable, "-c", code, "predict", str(exported[2] / "model.tflite"), str(kaggle),
                             "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.stdout.splitlines()) == 60


def test_evaluate_exported_on_store_and_on_kaggle_data(exported, tiny_dataset, tiny_store, capsys):
    folder = exported[2]
    assert main(["evaluate", str(folder / "model.tflite"), "--data", str(tiny_store), "--split", "test", "--json"]) == 0
    on_store = json.loads(capsys.readouterr().out)
    assert on_store["sequences"] == len(Store(tiny_store).split("test"))
    report = folder.parent / "report"
    assert main(["evaluate", str(folder), "--data", str(tiny_dataset), "--split", "all", "--json",
                 "--report", str(report)]) == 0
    on_data = json.loads(capsys.readouterr().out)
    assert (report / "index.html").is_file() and (report / "substitutions.png").is_file()
    assert on_data["sequences"] == 140 and on_data["score"] == pytest.approx(1 - on_data["cer"])
    # a Kaggle folder has no split of its own: it takes the one the store prepared from it recorded
    assert main(["evaluate", str(folder / "model.tflite"), "--data", str(tiny_dataset), "--split", "test",
                 "--json", "--split-from", str(tiny_store)]) == 0
    on_data_test = json.loads(capsys.readouterr().out)
    assert on_data_test == on_store
    assert main(["evaluate", str(folder / "model.tflite"), "--data", str(tiny_dataset), "--split", "test"]) == 2
    assert "--split-from" in capsys.readouterr().err


def test_a_dataset_is_scored_on_the_split_its_store_recorded_not_a_default(exported, tiny_dataset, tmp_path):
    """A store prepared with another seed and fractions is scored on its own split, read from its record."""
    from fingerspell.evaluation.scoring import evaluate_exported
    from fingerspell.store.splits import SplitRule
    from fingerspell.store.store import prepare
    store = tmp_path / "other-split"
    prepare(tiny_dataset, store, split_rule=SplitRule(val_fraction=0.25, test_fraction=0.25, seed=5), progress=False)
    test_ids = set(Store(store).split_ids("test").tolist())
    assert test_ids != set(SplitRule().apply(*_participants_and_phrases(tiny_dataset)).pipe(
        lambda split: split.index[split == "test"]).tolist())
    result = evaluate_exported(exported[2], tiny_dataset, split="test", out=tmp_path / "p.csv", split_from=store)
    assert {row[0] for row in result["rows"]} == test_ids
    with pytest.raises(ValueError, match="not prepared from"):
        other = tmp_path / "other-data"
        from fingerspell.synth.corpus import synthesize
        synthesize(other, sequences=30, signers=4, seed=99, progress=False)
        evaluate_exported(exported[2], other, split="test", out=tmp_path / "q.csv", split_from=store)


def _participants_and_phrases(root):
    """The dataset's rows, indexed by sequence_id: (participant ids, phrases)."""
    from fingerspell.io.dataset import read_dataset
    rows = read_dataset(root)[0].set_index("sequence_id")
    return rows.participant_id, rows.phrase


def test_run_scores_train_phrases_and_supplemental_sentences_apart(exported, tiny_store):
    from fingerspell.evaluation.scoring import evaluate_run
    from fingerspell.metrics import score
    result = evaluate_run(exported[1], tiny_store, split="all")
    sources = Store(tiny_store).sequences.source
    parts = result["by_source"]
    assert sorted(parts) == ["supplemental", "train"]
    assert {name: part["sequences"] for name, part in parts.items()} == sources.value_counts().to_dict()
    supplemental = set(Store(tiny_store).sequences.sequence_id[sources == "supplemental"])
    rows = [(t, p) for sid, t, p in result["rows"] if sid in supplemental]
    assert parts["supplemental"]["score"] == pytest.approx(score(*zip(*rows))["score"])
