"""The model bundled in the package: present, described, reading new synthetic signers, used by default."""
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import fingerspell
from fingerspell.cli import main
from fingerspell.inference import BUNDLED_MODEL, LiteModel
from fingerspell.metrics import score
from fingerspell.vocab import decode
from fingerspell.synth.corpus import plan_metadata, synthesize

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def info():
    return json.loads((BUNDLED_MODEL / "model.json").read_text())


@pytest.fixture(scope="module")
def new_signers(tmp_path_factory, info):
    """24 sequences by 3 signers the bundled model never saw, its training phrases dropped (as the demo does)."""
    from fingerspell.pipeline import drop_trained_phrases
    root = tmp_path_factory.mktemp("new_signers")
    synthesize(root, sequences=24, signers=3, seed=11, progress=False)
    drop_trained_phrases(root / "train.csv", info["recipe"])
    return root


def test_bundled_model_ships_with_its_recipe_and_scores(info):
    for name in ("model.tflite", "inference_args.json", "character_to_prediction_index.json"):
        assert (BUNDLED_MODEL / name).is_file()
    size = (BUNDLED_MODEL / "model.tflite").stat().st_size
    assert size == info["export"]["bytes"] and size < 20 * 2**20
    assert "synthetic data only" in info["trained_on"] and info["recipe"]["model"] == "ctc"
    assert 0 < info["scores"]["synthetic_test"]["score"] <= 1
    assert "assets/model/*" in (ROOT / "pyproject.toml").read_text()


def test_the_recorded_real_digit_figures_are_the_shipped_models(info):
    """model.json's real figure is read again from the shipped file: people held out of the generator."""
    from fingerspell.evaluation.real_sets import digit_strings, read_set
    recorded = info["scores"]["real_digits"]
    assert recorded["sequences"] == 60 and "held out" in recorded["what"]
    read = read_set(fingerspell.load_model(), digit_strings(60, info["recipe"]["seed"]))
    assert (read["score"], read["beam_lm"]["score"]) == (recorded["score"], recorded["beam_lm_score"])


def test_recipe_still_regenerates_the_phrases_the_model_trained_on(info):
    recipe = info["recipe"]
    phrases = sorted(set(plan_metadata(recipe["sequences"], recipe["signers"], recipe["seed"]).phrase))
    assert hashlib.sha256("\n".join(phrases).encode()).hexdigest() == info["train_phrases_sha256"]


def test_load_model_without_a_path_reads_new_signers(new_signers, info):
    model = fingerspell.load_model()
    assert isinstance(model, LiteModel)
    table = pd.read_csv(new_signers / "train.csv", keep_default_na=False)
    assert not set(table.phrase) & set(plan_metadata(info["recipe"]["sequences"], info["recipe"]["signers"],
                                                      info["recipe"]["seed"]).phrase)
    from fingerspell.inference import read_sequences
    readings = {sid: model.read(frames) for sid, frames in read_sequences(new_signers, model.columns)}
    result = score(table.phrase.tolist(), [readings[s].text for s in table.sequence_id])
    assert result["score"] > 0.5, result  # a broken or weightless export reads next to nothing
    assert all(0 < c <= 1 for r in readings.values() for c in r.confidence)
    # pictures can mark where each character was read: the steps found inside the file spell the text
    (sequence_id, frames), = read_sequences(new_signers, model.columns, [int(table.sequence_id[0])])
    steps = model.steps(frames)
    assert decode([int(t) for t in steps if t >= 0]) == readings[sequence_id].text != ""


def test_predict_needs_no_model_argument(new_signers, capsys):
    source = sorted((new_signers / "train_landmarks").glob("*.parquet"))[0]
    assert main(["predict", str(source), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all(line["text"] for line in lines)


@pytest.mark.slow
def test_demo_reads_new_signers_with_the_bundled_model(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--sequences", "16", "--signers", "2", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "never saw" in printed and "fingerspell demo --train" in printed
    for name in ("report/index.html", "first_sequence.gif", "predictions.csv"):
        assert (out / name).stat().st_size > 500, name
    assert main(["demo", "--out", str(tmp_path / "x"), "--seed", str(json.loads(
        (BUNDLED_MODEL / "model.json").read_text())["recipe"]["seed"])]) == 2  # its own training seed: refused


def test_demo_makes_its_set_again_for_other_arguments_or_an_older_generator(tmp_path, monkeypatch):
    """A set left by an earlier demo is read again only when it is what this demo would make: reading
    yesterday's world (or another seed's) would report a stale score."""
    from fingerspell.pipeline import demo_bundled
    from fingerspell.synth import corpus
    out = tmp_path / "demo"
    first = demo_bundled(out, seed=5, sequences=8, signers=2, workers=1)
    again = demo_bundled(out, seed=5, sequences=8, signers=2, workers=1)
    assert first["synthesised"] and not again["synthesised"] and again["score"] == first["score"]
    other_seed = demo_bundled(out, seed=6, sequences=8, signers=2, workers=1)
    assert other_seed["synthesised"]
    assert json.loads((out / "data" / corpus.PLAN_FILE).read_text())["seed"] == 6
    newer = corpus.GENERATOR_VERSION + 1
    monkeypatch.setattr(corpus, "GENERATOR_VERSION", newer)
    assert demo_bundled(out, seed=6, sequences=8, signers=2, workers=1)["synthesised"]
    monkeypatch.setattr(corpus, "GENERATOR_VERSION", newer + 1)  # a cut synth is not resumed across generators
    with pytest.raises(ValueError, match=rf"other arguments \(generator: {newer}, now {newer + 1}\)"):
        corpus.synthesize(out / "data", sequences=8, signers=2, seed=6, progress=False, resume=True)
