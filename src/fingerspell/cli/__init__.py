"""The `fingerspell` command: one subcommand per job (`fingerspell SUBCOMMAND --help`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd

from fingerspell.training import checkpoint
from fingerspell.errors import DataError

DEFAULT_SEQUENCES, DEFAULT_SIGNERS = 3000, 30  # the embedded default dataset (`demo --train`'s)
DEMO_SEQUENCES, DEMO_SIGNERS = 200, 10  # what the bundled model reads in `demo`
# The published corpus statistics, where the team's shared data sits beside the checkout.
PUBLISHED_STATS = Path("..") / "shared" / "data" / "kaggle" / "aslfr_published_stats.json"


def _synth(args) -> int:
    from fingerspell.synth.dataset import compare_statistics, synthesize
    stats = synthesize(args.out_dir, sequences=args.sequences, signers=args.signers, seed=args.seed,
                       supplemental=args.supplemental, sequences_per_file=args.sequences_per_file,
                       workers=args.workers, progress=not args.quiet,
                       sources=tuple(args.sources.split(",")) if args.sources else None, resume=args.resume)
    print(f"wrote {args.sequences} train + {args.supplemental} supplemental sequences to {args.out_dir}")
    if args.stats:
        published = Path(args.published) if args.published else PUBLISHED_STATS
        if published.is_file():
            reference = json.loads(published.read_text(encoding="utf-8"))
            print(f"{'statistic':<72} {'published':>10} {'synthetic':>10}")
            for key, theirs, ours in compare_statistics(stats, reference):
                print(f"{key:<72} {theirs:>10.3f} {ours:>10.3f}")
        else:
            print(json.dumps(stats, indent=1))
    return 0


def _prepare(args) -> int:
    from fingerspell.store.store import prepare
    report = prepare(args.data_dir, args.store_dir, workers=args.workers, skip_bad=args.skip_bad,
                     lips=args.lips, dtype=args.dtype, val_fraction=args.val_fraction,
                     test_fraction=args.test_fraction, seed=args.seed, progress=not args.quiet,
                     phrase_disjoint=not args.phrase_overlap)
    print(f"store {args.store_dir}: {report.sequences} sequences, {report.frames} frames "
          f"({report.files_converted} files converted, {report.files_reused} reused from an earlier run)")
    if not args.phrase_overlap:
        print(f'set aside {report.unused} train sequences as "unused": their phrase is also in val or test '
              "(--phrase-overlap keeps them)")
    if report.skipped:
        print(f"skipped {len(report.skipped)} sequences; reasons in {Path(args.store_dir) / 'skipped.json'}")
    return 0


def _train(args) -> int:
    from fingerspell.training.trainer import train
    overrides = {}
    if args.batch_size:
        overrides["batch_size"] = args.batch_size
    if args.learning_rate:
        overrides["learning_rate"] = args.learning_rate
    if args.no_augment:
        from fingerspell.training.augment import AugmentConfig
        overrides["augment"] = AugmentConfig(enabled=False)
    if args.eval_every:
        overrides["eval_every"] = args.eval_every
    result = train(args.store, args.run, model=args.model, preset_name=args.preset, epochs=args.epochs,
                   minutes=args.minutes, resume=args.resume, seed=args.seed, strategy=args.strategy,
                   logical_cpus=args.logical_cpus, progress=not args.quiet, settings=args.set,
                   deterministic=args.deterministic or None, **overrides)
    print(json.dumps(result))
    return 0


def _evaluate(args) -> int:
    from fingerspell.evaluation.scoring import evaluate_exported, evaluate_run
    target = Path(args.run_dir)
    if target.suffix == ".tflite" or (target / "model.tflite").is_file():
        result = evaluate_exported(target, args.data, split=args.split)
    else:
        result = evaluate_run(target, args.data, split=args.split, which=args.checkpoint)
    if args.report:
        from fingerspell.evaluation.report import write_report
        index = write_report(result["rows"], args.report, title=f"{target} on {args.data} ({args.split})")
        print(f"report: {index}", file=sys.stderr)
    if args.json:
        print(json.dumps({k: result[k] for k in ("score", "cer", "sequences", "characters", "by_source")
                          if k in result}))
    else:
        print(f"{args.split}: score {result['score']:.4f}  CER {result['cer']:.4f}  over {result['sequences']} "
              f"sequences, {result['characters']} characters; predictions in {result['predictions']}")
        for source, part in result.get("by_source", {}).items():
            print(f"  {source}: score {part['score']:.4f} over {part['sequences']} sequences")
    return 0


def _export(args) -> int:
    from fingerspell.export.tflite import export_run
    print(json.dumps(export_run(args.run_dir, args.out, fp16=args.fp16, which=args.checkpoint)))
    return 0


def _predict(args) -> int:
    import tempfile
    from fingerspell.video.extract import extract, is_media
    from fingerspell.inference import load_model, read_sequences
    from fingerspell.io.inputs import expand
    inputs, model_path = list(args.inputs), args.model
    if model_path is None and len(inputs) > 1 and _looks_like_model(inputs[0]):  # the older MODEL INPUT... form
        model_path = inputs.pop(0)
        print(f"fingerspell predict: reading {model_path} as the model (write --model {model_path})", file=sys.stderr)
    model = load_model(model_path, threads=args.threads)
    failures = 0
    try:
        inputs = expand(inputs, is_media)
    except DataError as error:
        print(f"fingerspell predict: error: {error}", file=sys.stderr)
        return 2
    media = [p for p in inputs if is_media(p)]
    extracted = {}
    if media:  # videos and images: MediaPipe first, then the landmark files it wrote
        scratch = tempfile.TemporaryDirectory()
        for result in extract(media, scratch.name, progress=not args.json):
            extracted[result["input"]] = result
    for path in inputs:
        try:
            source = path
            if path in extracted:
                if not extracted[path]["ok"]:
                    raise ValueError(f"{path}: {extracted[path]['reason']}")
                source = extracted[path]["path"]
            rows = []
            for sequence_id, frames in read_sequences(source, model.columns, args.sequence_id):
                row = {"input": path, "sequence_id": sequence_id, **model.read(frames).to_dict()}
                rows.append(row)
                if args.json:
                    print(json.dumps(row), flush=True)
                else:
                    print(f"{path}{'' if sequence_id is None else ':' + str(sequence_id)}\t{row['text']}", flush=True)
            if args.format:
                written = _write_readings(rows, Path(path), args.format, args.output_dir)
                print(f"wrote {written}", file=sys.stderr)
        except (DataError, ValueError, OSError) as error:
            failures += 1
            where = "" if str(path) in str(error) else f"{path}: "
            print(f"fingerspell predict: skipped {where}{error}", file=sys.stderr)
    return 1 if failures else 0


def _looks_like_model(path: str) -> bool:
    candidate = Path(path)
    return (candidate.suffix == ".tflite" or (candidate / "model.tflite").is_file()
            or checkpoint.exists(candidate, "best"))


def _write_readings(rows: list[dict], source: Path, kind: str, output_dir: str | None) -> Path:
    """INPUT's readings as NAME.txt|csv|json beside it (or in `output_dir`), NAME being its stem, written
    atomically so an earlier file is never left half-overwritten."""
    folder = Path(output_dir) if output_dir else source.resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem if source.suffix else source.name}.{kind}"
    if kind == "json":
        text = json.dumps(rows, indent=1) + "\n"
    elif kind == "csv":
        table = pd.DataFrame(rows).assign(confidence=lambda t: t.confidence.map(lambda c: " ".join(map(str, c))))
        text = table.to_csv(index=False)
    else:
        text = "".join((f"{r['sequence_id']}\t" if r["sequence_id"] is not None else "") + r["text"] + "\n"
                       for r in rows)
    staging = target.with_name(target.name + ".tmp")
    staging.write_text(text, encoding="utf-8")
    staging.replace(target)
    return target


def _extract(args) -> int:
    from fingerspell.video.extract import extract
    results = extract(args.inputs, args.out, progress=not args.quiet)
    for result in results:
        if result["ok"]:
            print(f"{result['input']}: {result['frames']} frames at {result['fps']} frames/s -> {result['path']}"
                  + (f" ({result['corrupt_frames']} unreadable frames skipped)" if result.get("corrupt_frames") else ""))
        else:
            print(f"fingerspell extract: skipped {result['input']}: {result['reason']}", file=sys.stderr)
    return 0 if all(r["ok"] for r in results) else 1


def _setup_video(args) -> int:
    from fingerspell.video.extract import setup_video_env
    print(f"video environment ready: {setup_video_env(args.env)}")
    return 0


def _setup_web(args) -> int:
    from fingerspell.export.onnx import browser_model
    from fingerspell.inference import BUNDLED_MODEL
    from fingerspell.live.assets import PACKAGES, install, web_dir
    root = web_dir(args.dir)
    for package in PACKAGES:
        print(f"{package.name}@{package.version}: {install(package, root)} (integrity checked)")
    if (BUNDLED_MODEL / "model.tflite").is_file():
        folder = browser_model(BUNDLED_MODEL, root)
        check = json.loads((folder / "check.json").read_text())
        print(f"bundled model for the browser: {folder} (ONNX vs LiteRT: {check['max_abs_difference']:.1e})")
    print(f"page assets ready in {root}: `fingerspell serve` shows the page")
    return 0


def _serve(args) -> int:
    from fingerspell.live.serve import make_server
    from fingerspell.live.assets import web_dir
    server = make_server(args.model, web_dir(args.dir), args.port)
    handler_model = server.RequestHandlerClass.model_source
    print("converting the model for the browser (once per model)...", flush=True)
    status = handler_model.status()
    print(f"model: {status['source']}" if status["ok"] else f"model: not servable yet: {status['reason']} "
          "(the page says so and picks the model up once it is fixed)", flush=True)
    print(f"fingerspell live on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _show(args) -> int:
    from fingerspell.inference import frame_labels, load_model, read_sequences
    from fingerspell.io.inputs import image_aspect, phrase_of
    from fingerspell.layout import COORDINATE_COLUMNS, NUM_LANDMARKS
    from fingerspell.evaluation.visualize import show
    ids = [args.sequence_id] if args.sequence_id is not None else None
    sequence_id, flat = next(iter(read_sequences(args.input, list(COORDINATE_COLUMNS), ids)))
    frames = flat.reshape(len(flat), 3, NUM_LANDMARKS).transpose(0, 2, 1)
    phrase = phrase_of(Path(args.input), sequence_id)
    title = f"{Path(args.input).name}" + (f" · {sequence_id}" if sequence_id is not None else "")
    title += f"\nphrase: {phrase!r}" if phrase is not None else ""
    labels = None
    if args.model or args.read:
        model = load_model(args.model)
        title += f"\nread: {model.predict(frames)!r}"
        labels = frame_labels(model, frames)
    aspect = args.aspect or image_aspect(Path(args.input), sequence_id)
    print(show(frames, args.out, title=title, fps=args.fps, aspect=aspect, labels=labels))
    return 0


def _demo(args) -> int:
    """The bundled model reads a small synthetic set of signers and phrases it never saw: score, a few
    readings, an evaluation report and an animation in OUT. `--train` trains a model first instead."""
    if args.train:
        return _demo_train(args)
    from fingerspell.evaluation.scoring import evaluate_exported
    from fingerspell.inference import BUNDLED_MODEL
    from fingerspell.evaluation.report import write_report
    from fingerspell.synth.dataset import synthesize
    from fingerspell.evaluation.visualize import show
    out, info = Path(args.out), _bundled_info()
    data = out / "data"
    recipe = info["recipe"]
    if args.seed == recipe["seed"]:
        raise ValueError(f"--seed {args.seed} is the seed the bundled model was trained on; pick another")
    sequences, signers = args.sequences or DEMO_SEQUENCES, args.signers or DEMO_SIGNERS
    if not (data / "train.csv").is_file():
        synthesize(data, sequences=sequences, signers=signers, seed=args.seed, workers=args.workers,
                   progress=False)
        print(f"synthesised {sequences} sequences by {signers} signers new to the bundled model")
    dropped = _drop_trained_phrases(data / "train.csv", recipe)  # every time: a rerun after a cut stays honest
    if dropped:
        print(f"dropped {dropped} sequences whose phrase the bundled model trained on")
    result = evaluate_exported(BUNDLED_MODEL, data, split="all", out=out / "predictions.csv")
    print(f"\nthe bundled model ({info['trained_on']})")
    print(f"read {result['sequences']} sequences by signers and of phrases it never saw: "
          f"score {result['score']:.4f}, CER {result['cer']:.4f}")
    for sequence_id, phrase, prediction in result["rows"][:8]:
        print(f"  {phrase!r:34} -> {prediction!r}")
    report = write_report(result["rows"], out / "report", title="bundled model on the demo set")
    first_id, phrase, prediction = result["rows"][0]
    from fingerspell.inference import read_sequences
    from fingerspell.layout import COORDINATE_COLUMNS, NUM_LANDMARKS
    (_, flat), = read_sequences(data, list(COORDINATE_COLUMNS), [first_id])
    frames = flat.reshape(len(flat), 3, NUM_LANDMARKS).transpose(0, 2, 1)
    animation = show(frames, out / "first_sequence.gif", title=f"phrase: {phrase!r}\nread: {prediction!r}")
    print(f"\nreport {report}; animation {animation}; predictions {result['predictions']}")
    print("train your own: `fingerspell demo --train` (about 10 minutes on 2 cores), or `fingerspell synth`, "
          "`prepare`, `train`, `export` (README)")
    return 0


def _bundled_info() -> dict:
    from fingerspell.inference import BUNDLED_MODEL
    path = BUNDLED_MODEL / "model.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: this install has no bundled model; `fingerspell demo --train` trains one")
    return json.loads(path.read_text(encoding="utf-8"))


def _drop_trained_phrases(csv_path: Path, recipe: dict) -> int:
    """Rewrite a synthetic train.csv without the rows whose phrase the bundled model's recipe generated
    (its metadata is regenerated from the recipe's seed: cheap, no landmarks). Returns how many went."""
    from fingerspell.synth.dataset import plan_metadata
    seen = set(plan_metadata(recipe["sequences"], recipe["signers"], recipe["seed"]).phrase)
    table = pd.read_csv(csv_path, keep_default_na=False, dtype={"phrase": str, "path": str})
    keep = ~table.phrase.isin(seen)
    staging = csv_path.with_name(csv_path.name + ".tmp")
    table[keep].to_csv(staging, index=False)
    staging.replace(csv_path)
    return int((~keep).sum())


def _demo_train(args) -> int:
    """synthesise -> prepare -> train the CTC cpu preset -> score on unseen signers and phrases; each step
    reused if done."""
    from fingerspell.evaluation.scoring import evaluate_run
    from fingerspell.store.store import Store, prepare
    from fingerspell.synth.dataset import synthesize
    from fingerspell.training.trainer import train
    out = Path(args.out)
    data, store, run = out / "data", out / "store", out / "run"
    sequences, signers = args.sequences or DEFAULT_SEQUENCES, args.signers or DEFAULT_SIGNERS
    if not (data / "train.csv").is_file():
        synthesize(data, sequences=sequences, signers=signers, seed=args.seed, workers=args.workers)
    if not (store / "header.json").is_file():
        prepare(data, store, workers=args.workers)
    header = Store(store).header
    print(f"store {store}: {header['sequences']} sequences, {header['frames']} frames, splits {header['splits']}")
    if not checkpoint.exists(run, "best"):
        train(store, run, model="ctc", preset_name="cpu", minutes=args.minutes, seed=args.seed)
    result = evaluate_run(run, store, split="test")
    predictions = pd.read_csv(result["predictions"], keep_default_na=False)
    print(f"\ntest split ({result['sequences']} sequences; signers and phrases never seen in training): "
          f"score {result['score']:.4f}, CER {result['cer']:.4f}")
    for row in predictions.head(8).itertuples():
        print(f"  {row.phrase!r:34} -> {row.prediction!r}")
    print(f"\nrun {run}: metrics.csv, progress.png, best/ (checkpoint); predictions in {result['predictions']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fingerspell", description=__doc__,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    fmt = argparse.ArgumentDefaultsHelpFormatter

    p = sub.add_parser("demo", help="the bundled model reads new synthetic signers (--train: train one first)",
                       formatter_class=fmt)
    p.add_argument("--out", default="out/demo", help="where the dataset, report and animation (and run) go")
    p.add_argument("--train", action="store_true", help="synthesise the embedded default, train the CTC model "
                   f"on it and score it (default then {DEFAULT_SEQUENCES} sequences, {DEFAULT_SIGNERS} signers)")
    p.add_argument("--sequences", type=int, help=f"default {DEMO_SEQUENCES} ({DEFAULT_SEQUENCES} with --train)")
    p.add_argument("--signers", type=int, help=f"default {DEMO_SIGNERS} ({DEFAULT_SIGNERS} with --train)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--minutes", type=float, default=10.0, help="training budget (--train)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("train", help="train a model on a store", formatter_class=fmt)
    p.add_argument("store")
    p.add_argument("--run", required=True, help="run directory: checkpoints, metrics.csv, progress.png")
    p.add_argument("--model", choices=("ctc", "seq2seq"), default="ctc")
    p.add_argument("--preset", choices=("cpu", "full"), default="cpu")
    p.add_argument("--epochs", type=int, help="default: the preset's")
    p.add_argument("--minutes", type=float, help="wall-clock budget; the learning rate anneals to it")
    p.add_argument("--resume", action="store_true", help="continue RUN from its last checkpoint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--eval-every", type=int, help="steps between validations (default: every epoch)")
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set ctc.dim=256 --set augment.pose_drop_probability=0")
    p.add_argument("--strategy", choices=("auto", "mirrored", "default"), default="auto",
                   help="auto: MirroredStrategy when several GPUs are visible")
    p.add_argument("--logical-cpus", type=int, default=0, help="split the CPU into N devices (to test mirroring)")
    p.add_argument("--deterministic", action="store_true",
                   help="deterministic ops: a rerun or resume repeats bit for bit (some ops get slower, more so on a GPU)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_train)

    p = sub.add_parser("evaluate", help="score a run or an exported model", formatter_class=fmt)
    p.add_argument("run_dir", help="a run directory, or an exported model.tflite (or its folder)")
    p.add_argument("--data", required=True, help="a store; for a .tflite also a Kaggle-layout dataset (all rows)")
    p.add_argument("--split", choices=("train", "val", "test", "unused", "all"), default="val",
                   help="which sequences; a Kaggle dataset is split as `prepare` splits it by default")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.add_argument("--json", action="store_true", help='print {"score", "cer", "sequences", "characters"}')
    p.add_argument("--report", metavar="DIR", help="also write plots and an index page of the errors to DIR")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("export", help="write a LiteRT model under the competition contract", formatter_class=fmt)
    p.add_argument("run_dir")
    p.add_argument("-o", "--out", required=True, help="folder for model.tflite and its JSON files")
    p.add_argument("--fp16", action="store_true", help="float16 weights: half the size")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best")
    p.set_defaults(func=_export)

    p = sub.add_parser("predict", help="read fingerspelling from landmark files, .pose files or videos",
                       formatter_class=fmt)
    p.add_argument("inputs", nargs="+", help="Kaggle parquet, single-sequence parquet, long-layout or .pose files, "
                   "a Kaggle dataset folder, videos/images (extracted with MediaPipe first), or folders of those")
    p.add_argument("-m", "--model", help="model.tflite, an export folder or a run directory "
                   "(default: the model bundled with fingerspell)")
    p.add_argument("--sequence-id", type=int, action="append", help="only these sequences (repeatable)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true",
                   help="JSON lines: input, sequence_id, frames, text, per-character confidence")
    p.add_argument("--format", choices=("txt", "csv", "json"),
                   help="also write each input's readings to NAME.txt|csv|json beside it")
    p.add_argument("--output-dir", help="write the --format files here instead")
    p.set_defaults(func=_predict)

    p = sub.add_parser("show", help="animate a sequence (.gif/.mp4) or draw a contact sheet (.png)",
                       formatter_class=fmt)
    p.add_argument("input", help="Kaggle parquet, single-sequence parquet, long-layout, .pose or extracted file, "
                                 "or a Kaggle dataset folder (with --sequence-id)")
    p.add_argument("--sequence-id", type=int, help="which sequence (default: the first)")
    p.add_argument("--model", help="also show what this model reads, frame by frame (.tflite, export folder or run)")
    p.add_argument("--read", action="store_true", help="the same with the bundled model")
    p.add_argument("--aspect", type=float, help="the image's width / height (default: from `extract`'s metadata)")
    p.add_argument("-o", "--out", required=True, help="OUT.gif, OUT.mp4 or OUT.png")
    p.add_argument("--fps", type=int, default=15)
    p.set_defaults(func=_show)

    p = sub.add_parser("extract", help="videos or images -> MediaPipe Holistic -> Kaggle-layout landmarks",
                       formatter_class=fmt)
    p.add_argument("inputs", nargs="+", help="video files (.mp4, .mov, ...) or images (.png, .jpg, ...)")
    p.add_argument("-o", "--out", required=True, help="folder for landmarks/*.parquet and metadata.csv")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_extract)

    p = sub.add_parser("setup-video", help="create the MediaPipe environment that `extract` runs in",
                       formatter_class=fmt)
    from fingerspell.video.extract import DEFAULT_VIDEO_ENV
    p.add_argument("--env", default=str(DEFAULT_VIDEO_ENV), help="where to create it")
    p.set_defaults(func=_setup_video)

    p = sub.add_parser("setup-web", help="fetch the live page's pinned assets (MediaPipe, onnxruntime-web) once",
                       formatter_class=fmt)
    p.add_argument("--dir", help="where to keep them (default: $FINGERSPELL_WEB_DIR or ~/.cache/fingerspell/web)")
    p.set_defaults(func=_setup_web)

    p = sub.add_parser("serve", help="read fingerspelling live from the webcam in a local browser page",
                       formatter_class=fmt)
    p.add_argument("--model", help="an export (folder or model.tflite); default: the bundled model")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    p.add_argument("--dir", help="the assets of `setup-web` (default: $FINGERSPELL_WEB_DIR or "
                                 "~/.cache/fingerspell/web)")
    p.set_defaults(func=_serve)

    p = sub.add_parser("synth", help="write a synthetic dataset in the Kaggle layout", formatter_class=fmt)
    p.add_argument("out_dir")
    p.add_argument("--sequences", type=int, default=DEFAULT_SEQUENCES, help="train sequences")
    p.add_argument("--signers", type=int, default=DEFAULT_SIGNERS, help="distinct participants")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--supplemental", type=int, default=0, help="supplemental (sentence) sequences")
    p.add_argument("--sequences-per-file", type=int, default=1000)
    p.add_argument("--resume", action="store_true",
                   help="keep the files an interrupted run with the same arguments finished")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--stats", action="store_true", help="print the statistics beside the published ones")
    p.add_argument("--published", help="published statistics JSON to compare against")
    p.add_argument("--sources", help="comma-separated real signers whose handshapes to draw from "
                                     "(default: all four; see fingerspell.synth.real_letters.SIGNERS)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_synth)

    p = sub.add_parser("prepare", help="convert a Kaggle-layout dataset into a training store", formatter_class=fmt)
    p.add_argument("data_dir")
    p.add_argument("store_dir")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--skip-bad", action="store_true", help="skip bad sequences, listing each in skipped.json")
    p.add_argument("--lips", action="store_true", help="also keep the 40 lip landmarks")
    p.add_argument("--dtype", choices=("float32", "float16"), default="float32",
                   help="float16 halves the store at ~2e-4 precision")
    p.add_argument("--val-fraction", type=float, default=0.1, help="share of signers held out for validation")
    p.add_argument("--test-fraction", type=float, default=0.1, help="share of signers held out for test")
    p.add_argument("--seed", type=int, default=0, help="seed of the signer split")
    p.add_argument("--phrase-overlap", action="store_true",
                   help="let train keep sequences whose phrase is also in val or test. Real data repeats "
                        "phrases across signers; by default those train sequences are split 'unused', so "
                        "val and test phrases are unseen in training")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_prepare)
    return parser


def _version() -> str:
    from fingerspell import __version__
    return __version__


def main(argv=None) -> int:
    # TensorFlow's C++ log lines (oneDNN notices, graph-optimiser chatter) bury the progress bars;
    # Python errors still surface. Set TF_CPP_MIN_LOG_LEVEL yourself to see them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, FileExistsError, FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"fingerspell {args.command}: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("tensorflow", "keras"):
            raise
        print(f"fingerspell {args.command}: error: this needs TensorFlow, which this install lacks (reading "
              f"with an exported model does not): pip install 'fingerspell[cpu]', or 'fingerspell[gpu]' on an "
              f"NVIDIA GPU machine", file=sys.stderr)
        return 2
