"""`fingerspell demo`: the bundled model reads synthetic signers it never saw (`--train`: train one first)."""
from __future__ import annotations

import argparse
from pathlib import Path

from fingerspell.pipeline import DEFAULT_SEQUENCES, DEFAULT_SIGNERS, DEMO_SEQUENCES, DEMO_SIGNERS


def add_to(sub) -> None:
    p = sub.add_parser("demo", help="the bundled model reads new synthetic signers (--train: train one first)",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default="out/demo", help="where the dataset, report and animation (and run) go")
    p.add_argument("--train", action="store_true", help="synthesise the embedded default, train the CTC model "
                   f"on it and score it (default then {DEFAULT_SEQUENCES} sequences, {DEFAULT_SIGNERS} signers)")
    p.add_argument("--sequences", type=int, help=f"default {DEMO_SEQUENCES} ({DEFAULT_SEQUENCES} with --train)")
    p.add_argument("--signers", type=int, help=f"default {DEMO_SIGNERS} ({DEFAULT_SIGNERS} with --train)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--minutes", type=float, default=10.0, help="training budget (--train)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Score, a few readings, an evaluation report and an animation in OUT."""
    if args.train:
        return run_train(args)
    from fingerspell.evaluation.report import write_report
    from fingerspell.evaluation.visualize import show
    from fingerspell.inference import read_landmarks
    from fingerspell.pipeline import demo_bundled
    out = Path(args.out)
    sequences, signers = args.sequences or DEMO_SEQUENCES, args.signers or DEMO_SIGNERS
    result = demo_bundled(out, seed=args.seed, sequences=sequences, signers=signers, workers=args.workers)
    if result["synthesised"]:
        print(f"synthesised {sequences} sequences by {signers} signers new to the bundled model")
    if result["dropped"]:
        print(f"dropped {result['dropped']} sequences whose phrase the bundled model trained on")
    print(f"\nthe bundled model ({result['info']['trained_on']})")
    print(f"read {result['sequences']} sequences by signers and of phrases it never saw: "
          f"score {result['score']:.4f}, CER {result['cer']:.4f}")
    for sequence_id, phrase, prediction in result["rows"][:8]:
        print(f"  {phrase!r:34} -> {prediction!r}")
    report = write_report(result["rows"], out / "report", title="bundled model on the demo set")
    first_id, phrase, prediction = result["rows"][0]
    _, frames = read_landmarks(result["data"], first_id)
    # every second frame at 15 frames/s: the 30 frames/s signing in real time, drawn in half the time
    animation = show(frames, out / "first_sequence.gif", title=f"phrase: {phrase!r}\nread: {prediction!r}", every=2)
    print(f"\nreport {report}; animation {animation}; predictions {result['predictions']}")
    print("train your own: `fingerspell demo --train` (about 10 minutes on 2 cores), or `fingerspell synth`, "
          "`prepare`, `train`, `export` (README)")
    return 0


def run_train(args) -> int:
    """synthesise -> prepare -> train the CTC cpu preset -> score on unseen signers and phrases; each step
    reused if done."""
    import pandas as pd
    from fingerspell.evaluation.scoring import evaluate_run
    from fingerspell.pipeline import PipelineSpec, run_pipeline
    from fingerspell.store.store import Store
    spec = PipelineSpec(args.out, sequences=args.sequences or DEFAULT_SEQUENCES,
                        signers=args.signers or DEFAULT_SIGNERS, data_seed=args.seed, train_seed=args.seed,
                        minutes=args.minutes, workers=args.workers)
    run_pipeline(spec, through="prepare", log=lambda _: None)
    store, run = spec.folders["store"], spec.folders["run"]
    header = Store(store).header
    print(f"store {store}: {header['sequences']} sequences, {header['frames']} frames, splits {header['splits']}")
    run_pipeline(spec, through="train", log=lambda _: None)
    result = evaluate_run(run, store, split="test")
    predictions = pd.read_csv(result["predictions"], keep_default_na=False)
    print(f"\ntest split ({result['sequences']} sequences; signers and phrases never seen in training): "
          f"score {result['score']:.4f}, CER {result['cer']:.4f}")
    for row in predictions.head(8).itertuples():
        print(f"  {row.phrase!r:34} -> {row.prediction!r}")
    print(f"\nrun {run}: metrics.csv, progress.png, best/ (checkpoint); predictions in {result['predictions']}")
    return 0
