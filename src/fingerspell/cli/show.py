"""`fingerspell show INPUT -o OUT.gif|mp4|png`: what the landmarks show, and what a model reads in them."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_to(sub) -> None:
    p = sub.add_parser("show", help="animate a sequence (.gif/.mp4) or draw a contact sheet (.png)",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("input", help="Kaggle parquet, single-sequence parquet, long-layout, .pose or extracted file, "
                                 "or a Kaggle dataset folder (with --sequence-id)")
    p.add_argument("--sequence-id", type=int, help="which sequence (default: the first)")
    p.add_argument("--model", help="also show what this model reads, frame by frame (.tflite, export folder or run)")
    p.add_argument("--read", action="store_true", help="the same with the bundled model")
    p.add_argument("--aspect", type=float, help="the image's width / height (default: from `extract`'s metadata)")
    p.add_argument("-o", "--out", required=True, help="OUT.gif, OUT.mp4 or OUT.png")
    p.add_argument("--fps", type=int, default=15)
    p.set_defaults(func=run)


def run(args) -> int:
    from fingerspell.evaluation.visualize import show
    from fingerspell.inference import frame_labels, load_model, read_landmarks
    from fingerspell.io.inputs import image_aspect, phrase_of
    source = Path(args.input)
    sequence_id, frames = read_landmarks(source, args.sequence_id)
    phrase = phrase_of(source, sequence_id)
    title = source.name + (f" · {sequence_id}" if sequence_id is not None else "")
    title += f"\nphrase: {phrase!r}" if phrase is not None else ""
    labels = None
    if args.model or args.read:
        model = load_model(args.model)
        title += f"\nread: {model.predict(frames)!r}"
        labels = frame_labels(model, frames)
    aspect = args.aspect or image_aspect(source, sequence_id)
    print(show(frames, args.out, title=title, fps=args.fps, aspect=aspect, labels=labels))
    return 0
