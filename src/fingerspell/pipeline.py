"""The whole chain in one call: synthesise -> prepare -> train -> export -> evaluate, each step skipped when its
output is already whole, so an interrupted run resumes where it stopped.

`fingerspell demo --train`, tools/train_release.py and the benches all run it; what differs between them is a
`PipelineSpec`, never a copy of the chain.

    OUT/data    the synthetic dataset (Kaggle layout)       OUT/store   the training store
    OUT/run     checkpoints, metrics.csv, progress.png      OUT/export  model.tflite + its JSON files

Any of the four folders may be put elsewhere (`data=`, `store=`, `run=`, `export=`): several runs then share
one dataset and store, or one run gives several exports. OUT/pipeline.json records, for each folder, the part of
the recipe its contents depend on (its own step's settings and those of the steps before it); a spec that
differs there is refused rather than mixing two recipes' outputs.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from fingerspell.export.artifact import MODEL_FILE
from fingerspell.store.store import HEADER_FILE

DEFAULT_SEQUENCES, DEFAULT_SIGNERS = 3000, 30  # the embedded default dataset (`demo --train`'s)
STEP_NAMES = ("synth", "prepare", "train", "export", "evaluate")
# each folder, the step that makes it, and the recipe keys that step adds (a folder depends on its own and
# on those of the folders before it)
FOLDERS = {"data": ("synth", ("sequences", "signers", "supplemental", "data_seed", "sources")),
           "store": ("prepare", ("lips",)),
           "run": ("train", ("model", "preset", "minutes", "epochs", "train_seed", "settings")),
           "export": ("export", ("fp16",))}
RECORD_FILE = "pipeline.json"


@dataclass(frozen=True)
class PipelineSpec:
    """What to make, and where. The recipe fields are recorded in OUT/pipeline.json (see `recipe`); the rest
    (where the folders are, what the evaluate step scores, how this machine runs it) may change between a
    run and its resume."""
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
    evaluate_model: str = "export"  # what the evaluate step scores: "export" (LiteRT) or "run" (best checkpoint)
    # folders other than OUT/<name>, e.g. one run per model beside one shared store
    data: str | None = field(default=None, compare=False)
    store: str | None = field(default=None, compare=False)
    run: str | None = field(default=None, compare=False)
    export: str | None = field(default=None, compare=False)
    workers: int = field(default=2, compare=False)
    train_in_subprocess: bool = field(default=False, compare=False)  # a fresh process: clean TensorFlow state

    @property
    def folders(self) -> dict[str, Path]:
        out = Path(self.out)
        return {name: Path(getattr(self, name) or out / name) for name in FOLDERS}

    def recipe(self, folder: str | None = None) -> dict:
        """The recipe keys `folder`'s contents depend on (its step's and the steps' before it); all of them
        without a folder. Lists where the spec holds tuples, as OUT/pipeline.json holds them."""
        keys = _recipe_keys(folder or list(FOLDERS)[-1])
        values = asdict(self)
        return json.loads(json.dumps({key: values[key] for key in keys}))


def run_pipeline(spec: PipelineSpec, through: str = "evaluate", progress: bool = True,
                 log: Callable[[str], None] = lambda message: print(message, file=sys.stderr)) -> dict:
    """Run the chain up to and including step `through` (synth, prepare, train, export, evaluate; with
    `evaluate_model="run"` the export step is left out); returns {"folders", "done": steps run now, "reused":
    steps found whole, "resumed": steps of "done" that went on from an interrupted run's output, "training":
    the final training row or None, "evaluation": the score on `evaluate_split` or None}."""
    if through not in STEP_NAMES:
        raise ValueError(f"unknown step {through!r}; choose from {', '.join(STEP_NAMES)}")
    if spec.evaluate_model not in ("export", "run"):
        raise ValueError(f"evaluate_model is 'export' or 'run', not {spec.evaluate_model!r}")
    wanted = [step for step in STEP_NAMES[: STEP_NAMES.index(through) + 1]
              if not (step == "export" and through == "evaluate" and spec.evaluate_model == "run")]
    folders = spec.folders
    _check_recipe(spec, [name for name, (step, _) in FOLDERS.items() if step in wanted])
    result = {"folders": {k: str(v) for k, v in folders.items()}, "done": [], "reused": [], "resumed": [],
              "training": None, "evaluation": None}
    for step in wanted:
        ran = STEPS[step](spec, folders, progress, result)
        result["done" if ran else "reused"].append(step)
        log(f"pipeline: {step} {'done' if ran else 'reused'}")
    return result


def _check_recipe(spec: PipelineSpec, names: list[str]) -> None:
    """Refuse folders made by another recipe; record the recipe of those not recorded yet."""
    out = Path(spec.out)
    record = out / RECORD_FILE
    earlier = _read_record(out)
    recorded, changed, differing = earlier["folders"], [], set()
    for name in names:
        key = _record_key(out, spec.folders[name])
        recipe = spec.recipe(name)
        if key not in recorded:
            recorded[key] = recipe
            continue
        keys = {k for k in set(recipe) | set(recorded[key]) if recipe.get(k) != recorded[key].get(k)}
        if keys:
            changed.append(key)
            differing |= keys
    if changed:
        raise ValueError(f"{record}: {', '.join(changed)} made by another recipe (differs in "
                         f"{', '.join(sorted(differing))}); use another --out or remove it")
    out.mkdir(parents=True, exist_ok=True)
    staging = record.with_name(record.name + ".tmp")
    staging.write_text(json.dumps(earlier, indent=1) + "\n", encoding="utf-8")
    staging.replace(record)


def recorded_recipe(out: str | Path, folder: str = "data") -> dict | None:
    """The recipe OUT/pipeline.json records for OUT/<folder> (what made it), None where it records none: how
    a bench or tool that shares another run's folders checks that they were made by its own recipe."""
    return _read_record(Path(out))["folders"].get(folder)


def _read_record(out: Path) -> dict:
    """OUT/pipeline.json ({"folders": {}} where there is none); the first version's file, one recipe for the
    four folders under OUT, read as one per folder."""
    record = out / RECORD_FILE
    earlier = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {"folders": {}}
    if "folders" not in earlier:
        earlier = {"folders": {name: {k: earlier[k] for k in _recipe_keys(name) if k in earlier} for name in FOLDERS}}
    return earlier


def _recipe_keys(folder: str) -> list[str]:
    """The recipe keys `folder`'s contents depend on: its step's and those of the steps before it."""
    names = list(FOLDERS)
    return [key for name in names[: names.index(folder) + 1] for key in FOLDERS[name][1]]


def _record_key(out: Path, folder: Path) -> str:
    """A folder's name in OUT/pipeline.json: relative to OUT where it lies under it, else absolute."""
    try:
        return folder.resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return str(folder.resolve())


def _synth(spec, folders, progress, result) -> bool:
    from fingerspell.io.dataset import METADATA_FILES
    data = folders["data"]
    if (data / METADATA_FILES["train"]).is_file():
        return False
    from fingerspell.synth.corpus import synthesize
    resume = (data / "synth_plan.json").is_file()  # an interrupted synth keeps the files it finished
    if resume and "resumed" in result:
        result["resumed"].append("synth")
    synthesize(data, sequences=spec.sequences, signers=spec.signers, seed=spec.data_seed,
               supplemental=spec.supplemental, workers=spec.workers, progress=progress,
               sources=spec.sources, resume=resume)
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
    if resume:
        result["resumed"].append("train")
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
    """`fingerspell train` in a fresh process running this process's fingerspell (its folder first on
    PYTHONPATH, so a checkout run by path trains with its own code); its last line of output, the final row."""
    command = [sys.executable, "-m", "fingerspell", "train", str(folders["store"]), "--run", str(folders["run"]),
               "--model", spec.model, "--preset", spec.preset, "--seed", str(spec.train_seed)]
    command += ["--minutes", str(spec.minutes)] if spec.minutes else []
    command += ["--epochs", str(spec.epochs)] if spec.epochs else []
    command += [arg for setting in spec.settings for arg in ("--set", setting)]
    command += ["--resume"] if resume else []
    command += [] if progress else ["--quiet"]
    package_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env)
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
    """Score the export (through LiteRT) or the run's best checkpoint on `evaluate_split` of the store; the
    predictions go beside what was scored (predictions_SPLIT.csv). Always runs: it writes no folder."""
    from fingerspell.evaluation import scoring
    if spec.evaluate_model == "run":
        result["evaluation"] = scoring.evaluate_run(folders["run"], folders["store"], split=spec.evaluate_split)
    else:
        result["evaluation"] = scoring.evaluate_exported(folders["export"], folders["store"],
                                                         split=spec.evaluate_split)
    return True


STEPS = {"synth": _synth, "prepare": _prepare, "train": _train, "export": _export, "evaluate": _evaluate}


DEMO_SEQUENCES, DEMO_SIGNERS = 200, 10  # what the bundled model reads in `fingerspell demo`


def demo_bundled(out: str | Path, seed: int = 0, sequences: int = DEMO_SEQUENCES, signers: int = DEMO_SIGNERS,
                 workers: int = 2) -> dict:
    """The bundled model reads a small synthetic set of signers and phrases it never saw: OUT/data (made once,
    and again when its synth_plan.json records other arguments or an older generator),
    OUT/predictions.csv. Returns evaluate_exported's result with "info" (the model's model.json) and "dropped"
    (sequences whose phrase the bundled model trained on, removed every time so a rerun stays honest)."""
    from fingerspell.evaluation.scoring import evaluate_exported
    from fingerspell.inference import BUNDLED_MODEL, bundled_info
    info = bundled_info()
    if seed == info["recipe"]["seed"]:
        raise ValueError(f"--seed {seed} is the seed the bundled model was trained on; pick another")
    from fingerspell.synth.corpus import PLAN_FILE, synth_plan
    spec = PipelineSpec(str(out), sequences=sequences, signers=signers, data_seed=seed, workers=workers)
    data = spec.folders["data"]
    plan = data / PLAN_FILE
    made_now = synth_plan(spec.sequences, spec.signers, spec.data_seed, spec.supplemental, sources=spec.sources)
    if plan.is_file() and json.loads(plan.read_text(encoding="utf-8")) != made_now:
        # an earlier demo's set, of other arguments or an older generator: reading it would report a stale world
        shutil.rmtree(data)
    synthesised = _synth(spec, spec.folders, False, {})
    dropped = drop_trained_phrases(data / "train.csv", info["recipe"])
    result = evaluate_exported(BUNDLED_MODEL, data, split="all", out=Path(out) / "predictions.csv")
    return {**result, "info": info, "dropped": dropped, "synthesised": synthesised, "data": str(data)}


def drop_trained_phrases(csv_path: Path, recipe: dict) -> int:
    """Rewrite a synthetic train.csv without the rows whose phrase the bundled model's recipe generated
    (its metadata is regenerated from the recipe's seed: cheap, no landmarks). Returns how many went."""
    import pandas as pd
    from fingerspell.synth.corpus import plan_metadata
    seen = set(plan_metadata(recipe["sequences"], recipe["signers"], recipe["seed"]).phrase)
    table = pd.read_csv(csv_path, keep_default_na=False, dtype={"phrase": str, "path": str})
    keep = ~table.phrase.isin(seen)
    staging = csv_path.with_name(csv_path.name + ".tmp")
    table[keep].to_csv(staging, index=False)
    staging.replace(csv_path)
    return int((~keep).sum())
