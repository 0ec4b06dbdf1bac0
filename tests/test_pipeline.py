"""fingerspell.pipeline (the one synth -> prepare -> train -> export -> evaluate chain, with its "already done?"
checks and its recipe record) and bench/common.py's one writer of bench/results.jsonl."""
import argparse
import datetime
import importlib
import json
import re
import sys
from pathlib import Path

import pytest

from fingerspell import pipeline
from fingerspell.pipeline import PipelineSpec, run_pipeline

BENCH = Path(__file__).resolve().parents[1] / "bench"


def tiny(out, **changes) -> PipelineSpec:
    return PipelineSpec(str(out), **{"sequences": 40, "signers": 6, "data_seed": 3, "workers": 1, **changes})


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A tiny spec run through prepare once; (spec, the first call's result)."""
    spec = tiny(tmp_path_factory.mktemp("pipeline") / "out")
    return spec, run_pipeline(spec, through="prepare", progress=False, log=lambda _: None)


def test_prepare_makes_data_and_store_then_reuses_both(made):
    spec, first = made
    assert first["done"] == ["synth", "prepare"] and first["reused"] == [] and first["resumed"] == []
    assert (spec.folders["data"] / "train.csv").is_file()
    assert (spec.folders["store"] / "header.json").is_file()
    files = (spec.folders["data"] / "train.csv", spec.folders["store"] / "header.json")
    stamps = {p: p.stat().st_mtime_ns for p in files}
    again = run_pipeline(spec, through="prepare", progress=False, log=lambda _: None)
    assert again["done"] == [] and again["reused"] == ["synth", "prepare"]
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing rewritten
    recorded = json.loads((Path(spec.out) / "pipeline.json").read_text())["folders"]
    assert recorded == {"data": spec.recipe("data"), "store": spec.recipe("store")}
    assert recorded["data"] == {"sequences": 40, "signers": 6, "supplemental": 0, "data_seed": 3, "sources": None}
    assert pipeline.recorded_recipe(spec.out, "data") == recorded["data"]
    assert pipeline.recorded_recipe(spec.out, "run") is None and pipeline.recorded_recipe(spec.folders["data"]) is None


def test_a_first_version_record_is_read_as_one_recipe_per_folder(tmp_path):
    old = {"sequences": 40, "signers": 6, "supplemental": 0, "data_seed": 3, "sources": None, "lips": True,
           "model": "ctc"}
    (tmp_path / "pipeline.json").write_text(json.dumps(old), encoding="utf-8")
    assert pipeline.recorded_recipe(tmp_path, "data") == tiny(tmp_path).recipe("data")
    assert pipeline.recorded_recipe(tmp_path, "store") == {**tiny(tmp_path).recipe("data"), "lips": True}
    assert pipeline.recorded_recipe(tmp_path, "run") == {**pipeline.recorded_recipe(tmp_path, "store"), "model": "ctc"}


def test_another_recipe_in_the_same_folder_is_refused_naming_the_keys(made):
    spec, _ = made
    with pytest.raises(ValueError, match=r"differs in data_seed, sequences\)"):
        run_pipeline(tiny(spec.out, sequences=41, data_seed=4), through="synth", progress=False)
    with pytest.raises(ValueError, match=r"store made by another recipe \(differs in lips\)"):
        run_pipeline(tiny(spec.out, lips=True), through="prepare", progress=False)
    # checked before any step runs, whatever the last step asked for
    with pytest.raises(ValueError, match="differs in signers"):
        run_pipeline(tiny(spec.out, signers=7), through="evaluate", progress=False)
    # what the folders asked for do not depend on may change; the machine's settings too
    same = run_pipeline(tiny(spec.out, model="seq2seq", minutes=1.0, fp16=True, workers=2), through="prepare",
                        progress=False, log=lambda _: None)
    assert same["reused"] == ["synth", "prepare"]


def test_each_run_folder_keeps_its_own_recipe(made, monkeypatch):
    """Several runs beside one store (the accuracy bench's layout); training replaced by a stub that records
    what it was asked, so no model trains here."""
    spec, _ = made
    asked = []

    def fake_train(spec, folders, progress, result):
        asked.append((spec.model, folders["run"].name))
        return True
    monkeypatch.setitem(pipeline.STEPS, "train", fake_train)
    for model in ("ctc", "seq2seq"):
        result = run_pipeline(tiny(spec.out, model=model, run=str(Path(spec.out) / f"run-{model}")), through="train",
                              progress=False, log=lambda _: None)
        assert result["reused"] == ["synth", "prepare"] and result["done"] == ["train"]
    assert asked == [("ctc", "run-ctc"), ("seq2seq", "run-seq2seq")]
    recorded = json.loads((Path(spec.out) / "pipeline.json").read_text())["folders"]
    assert recorded["run-ctc"]["model"] == "ctc" and recorded["run-seq2seq"]["model"] == "seq2seq"
    with pytest.raises(ValueError, match=r"run-ctc made by another recipe \(differs in minutes\)"):
        run_pipeline(tiny(spec.out, minutes=3.0, run=str(Path(spec.out) / "run-ctc")), through="train",
                     progress=False)
    assert len(asked) == 2


def test_an_unknown_step_or_evaluation_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown step 'fit'"):
        run_pipeline(tiny(tmp_path), through="fit")
    with pytest.raises(ValueError, match="evaluate_model"):
        run_pipeline(tiny(tmp_path, evaluate_model="checkpoint"), through="synth")
    assert not any(tmp_path.iterdir())  # refused before anything was written


@pytest.fixture
def bench(monkeypatch):
    """bench/common.py and bench/latest.py, imported as the bench scripts import them."""
    monkeypatch.syspath_prepend(str(BENCH))
    for name in ("common", "latest"):
        sys.modules.pop(name, None)
    return importlib.import_module("common"), importlib.import_module("latest")


SCHEMA = ("bench", "date", "commit", "machine", "command", "arguments", "metrics")
MACHINE = ("cpus", "platform", "python", "gpu")


def test_record_appends_one_line_in_the_schema(bench, tmp_path, monkeypatch):
    common, latest = bench
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("FINGERSPELL_BENCH_RESULTS", str(results))
    monkeypatch.setattr(sys, "argv", ["bench/demo.py", "--minutes", "2"])
    line = common.record("demo", argparse.Namespace(minutes=2.0, out=Path("out/x")), {"score": 0.5})
    lines = results.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == json.loads(json.dumps(line, default=str))
    written = json.loads(lines[0])
    assert set(SCHEMA) <= set(written) and set(MACHINE) <= set(written["machine"])
    assert written["bench"] == "demo" and written["metrics"] == {"score": 0.5}
    assert written["arguments"] == {"minutes": 2.0, "out": "out/x"}
    assert written["command"] == "python bench/demo.py --minutes 2"
    assert written["date"].endswith("Z") and datetime.datetime.fromisoformat(written["date"]).tzinfo is not None
    assert written["commit"] is None or re.fullmatch(r"[0-9a-f]{7,}(-dirty)?", written["commit"])
    assert written["machine"]["cpus"] >= 1 and written["machine"]["python"].count(".") == 2
    common.record("demo", {"minutes": 3.0}, {"score": 0.75})
    assert [json.loads(l)["metrics"]["score"] for l in results.read_text().splitlines()] == [0.5, 0.75]
    assert latest.headline(json.loads(results.read_text().splitlines()[-1])) == {"score": 0.75}


def test_latest_shows_each_model_size_row(bench):
    common, latest = bench
    rows = {"rows": [{"dim": 192, "minutes": 30.0, "steps": 2999, "synthetic_test_score": 0.892,
                      "development_letters": {"score": 0.8734}, "digits": {"score": 0.9132}}]}
    assert latest.headline({"bench": "model_size", "metrics": rows}) == {
        "dim 192, 30 min: steps": 2999, "dim 192, 30 min: synthetic": 0.892,
        "dim 192, 30 min: development letters": 0.8734, "dim 192, 30 min: real digits": 0.9132}


def test_the_repository_results_are_jsonl_in_the_schema(bench):
    common, latest = bench
    text = (BENCH / "results.jsonl").read_text(encoding="utf-8")
    assert text.endswith("\n")
    scripts = {p.stem for p in BENCH.glob("*.py")} - {"common", "latest"}
    for number, raw in enumerate(text.splitlines(), 1):
        line = json.loads(raw)
        assert set(SCHEMA) <= set(line), f"line {number}: {set(SCHEMA) - set(line)} missing"
        assert set(MACHINE) <= set(line["machine"]), f"line {number}"
        assert line["bench"] in scripts, f"line {number}: no bench/{line['bench']}.py"
        assert isinstance(line["arguments"], dict) and isinstance(line["metrics"], dict) and line["metrics"]
        datetime.date.fromisoformat(line["date"][:10])
        assert re.match(r"(python|\.venv-video/bin/python) bench/\w+\.py", line["command"]), f"line {number}"
        assert f"bench/{line['bench']}.py" in line["command"], f"line {number}"
        assert line["commit"] is None or re.fullmatch(r"[0-9a-f]{7,}(-dirty)?", line["commit"]), f"line {number}"
        assert latest.headline(line), f"line {number}: no headline figures"
