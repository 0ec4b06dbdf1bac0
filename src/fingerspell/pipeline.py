"""The whole chain in one call: synthesise -> prepare -> train -> export -> evaluate, each step skipped when its
output is already whole, so an interrupted run resumes where it stopped.

`fingerspell demo --train`, tools/train_release.py and the benches all run it; what differs between them is a
`PipelineSpec`, never a copy of the chain.

    OUT/data    the synthetic dataset (Kaggle layout)       OUT/store   the training store
    OUT/run     checkpoints, metrics.csv, progress.png      OUT/export  model.tflite + its JSON files
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from fingerspell.export.artifact import MODEL_FILE
from fingerspell.store.store import HEADER_FILE

DEFAULT_SEQUENCES, DEFAULT_SIGNERS = 3000, 30  # the embedded default dataset (`demo --train`'s)


@dataclass(frozen=True)
class PipelineSpec:
    """What to make. Everything a step's output depends on is here, and is recorded in OUT/pipeline.json:
    resuming with a different spec is refused rather than mixing two recipes' outputs."""
    out: str
    sequences: int = DEFAULT_SEQUENCES
    signers: int = DEFAULT_SIGNERS
    supplemental: int = 0
    data_seed: int = 0
    sources: tuple[str, ...] | None = None  # real signers the synthetic hands come from (default: all)
    lips: bool = False
    model: str = "ctc"
    preset: str = "cpu"
    minutes: float | None = 10.0
    epochs: int | None = None
    train_seed: int = 0
    settings: tuple[str, ...] = ()  # `--set key=value` recipe settings
    fp16: bool = False
    evaluate_split: str = "test"
    # how this machine runs it; not part of the recipe, so it may change between a run and its resume
    workers: int = field(default=2, compare=False)
    train_in_subprocess: bool = field(default=False, compare=False)  # a fresh process: clean TensorFlow state

    @property
    def folders(self) -> dict[str, Path]:
        out = Path(self.out)
        return {name: out / name for name in ("data", "store", "run", "export")}

    def recipe(self) -> dict:
        return {k: v for k, v in asdict(self).items()
                if k not in ("out", "workers", "train_in_subprocess")}


def run_pipeline(spec: PipelineSpec, through: str = "evaluate", progress: bool = True,
                 log: Callable[[str], None] = print) -> dict:
    """Run the chain up to and including step `through` (synth, prepare, train, export, evaluate); returns
    {"folders", "done": steps run now, "reused": steps found whole, "training": the final training row or
    None, "evaluation": the export's score on `evaluate_split` or None}."""
    steps = ("synth", "prepare", "train", "export", "evaluate")
    if through not in steps:
        raise ValueError(f"unknown step {through!r}; choose from {steps}")
    wanted = steps[: steps.index(through) + 1]
    folders = spec.folders
    _check_recipe(spec)
    result = {"folders": {k: str(v) for k, v in folders.items()}, "done": [], "reused": [],
              "training": None, "evaluation": None}
    for step in wanted:
        ran = STEPS[step](spec, folders, progress, result)
        result["done" if ran else "reused"].append(step)
        if ran:
            log(f"pipeline: {step} done")
    return result


def _check_recipe(spec: PipelineSpec) -> None:
    record = Path(spec.out) / "pipeline.json"
    recipe = json.loads(json.dumps(spec.recipe()))  # tuples as lists, as the file holds them
    if record.is_file():
        earlier = json.loads(record.read_text(encoding="utf-8"))
        changed = sorted(k for k in set(recipe) | set(earlier) if recipe.get(k) != earlier.get(k))
        if changed:
            raise ValueError(f"{record}: this folder was made by another recipe (differs in {', '.join(changed)}); "
                             "use another --out or remove it")
        return
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(recipe, indent=1) + "\n", encoding="utf-8")


def _synth(spec, folders, progress, result) -> bool:
    from fingerspell.io.dataset import METADATA_FILES
    data = folders["data"]
    if (data / METADATA_FILES["train"]).is_file():
        return False
    from fingerspell.synth.dataset import synthesize
    synthesize(data, sequences=spec.sequences, signers=spec.signers, seed=spec.data_seed,
               supplemental=spec.supplemental, workers=spec.workers, progress=progress,
               sources=spec.sources, resume=(data / "synth_plan.json").is_file())
    return True


def _prepare(spec, folders, progress, result) -> bool:
    if (folders["store"] / HEADER_FILE).is_file():
        return False
    from fingerspell.store.store import prepare
    prepare(folders["data"], folders["store"], workers=spec.workers, lips=spec.lips, progress=progress)
    return True


def _train(spec, folders, progress, result) -> bool:
    from fingerspell.training import checkpoint
    run, record = folders["run"], folders["run"] / "trained.json"
    if checkpoint.exists(run, "best") and record.is_file():
        result["training"] = json.loads(record.read_text(encoding="utf-8"))
        return False
    resume = checkpoint.exists(run, "last")  # cut short: go on from the last checkpoint
    if spec.train_in_subprocess:
        row = _train_in_subprocess(spec, folders, resume, progress)
    else:
        from fingerspell.training.trainer import train
        row = train(folders["store"], run, model=spec.model, preset_name=spec.preset, epochs=spec.epochs,
                    minutes=spec.minutes, resume=resume, seed=spec.train_seed, progress=progress,
                    settings=list(spec.settings))
    record.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result["training"] = row
    return True


def _train_in_subprocess(spec, folders, resume: bool, progress: bool) -> dict:
    command = [sys.executable, "-m", "fingerspell", "train", str(folders["store"]), "--run", str(folders["run"]),
               "--model", spec.model, "--preset", spec.preset, "--seed", str(spec.train_seed)]
    command += ["--minutes", str(spec.minutes)] if spec.minutes else []
    command += ["--epochs", str(spec.epochs)] if spec.epochs else []
    command += [arg for setting in spec.settings for arg in ("--set", setting)]
    command += ["--resume"] if resume else []
    command += [] if progress else ["--quiet"]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        raise RuntimeError(f"training failed (exit {done.returncode}): {' '.join(command)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export(spec, folders, progress, result) -> bool:
    if (folders["export"] / MODEL_FILE).is_file():
        return False
    from fingerspell.export.tflite import export_run
    export_run(folders["run"], folders["export"], fp16=spec.fp16)
    return True


def _evaluate(spec, folders, progress, result) -> bool:
    from fingerspell.evaluation.scoring import evaluate_exported
    out = Path(spec.out) / f"predictions_{spec.evaluate_split}.csv"
    result["evaluation"] = evaluate_exported(folders["export"], folders["store"], split=spec.evaluate_split, out=out)
    return True


STEPS = {"synth": _synth, "prepare": _prepare, "train": _train, "export": _export, "evaluate": _evaluate}


DEMO_SEQUENCES, DEMO_SIGNERS = 200, 10  # what the bundled model reads in `fingerspell demo`


def demo_bundled(out: str | Path, seed: int = 0, sequences: int = DEMO_SEQUENCES, signers: int = DEMO_SIGNERS,
                 workers: int = 2) -> dict:
    """The bundled model reads a small synthetic set of signers and phrases it never saw: OUT/data (made once),
    OUT/predictions.csv. Returns evaluate_exported's result with "info" (the model's model.json) and "dropped"
    (sequences whose phrase the bundled model trained on, removed every time so a rerun stays honest)."""
    from fingerspell.evaluation.scoring import evaluate_exported
    from fingerspell.inference import BUNDLED_MODEL, bundled_info
    info = bundled_info()
    if seed == info["recipe"]["seed"]:
        raise ValueError(f"--seed {seed} is the seed the bundled model was trained on; pick another")
    spec = PipelineSpec(str(out), sequences=sequences, signers=signers, data_seed=seed, workers=workers)
    synthesised = _synth(spec, spec.folders, False, {})
    data = spec.folders["data"]
    dropped = _drop_trained_phrases(data / "train.csv", info["recipe"])
    result = evaluate_exported(BUNDLED_MODEL, data, split="all", out=Path(out) / "predictions.csv")
    return {**result, "info": info, "dropped": dropped, "synthesised": synthesised, "data": str(data)}


def _drop_trained_phrases(csv_path: Path, recipe: dict) -> int:
    """Rewrite a synthetic train.csv without the rows whose phrase the bundled model's recipe generated
    (its metadata is regenerated from the recipe's seed: cheap, no landmarks). Returns how many went."""
    import pandas as pd
    from fingerspell.synth.dataset import plan_metadata
    seen = set(plan_metadata(recipe["sequences"], recipe["signers"], recipe["seed"]).phrase)
    table = pd.read_csv(csv_path, keep_default_na=False, dtype={"phrase": str, "path": str})
    keep = ~table.phrase.isin(seen)
    staging = csv_path.with_name(csv_path.name + ".tmp")
    table[keep].to_csv(staging, index=False)
    staging.replace(csv_path)
    return int((~keep).sum())
