"""`fingerspell evaluate RUN_DIR --data STORE --split val|test`: the competition score of a checkpoint."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .metrics import score


def make_eval_step(model, config):
    """A compiled batch -> (per-sequence loss, greedy tokens) function."""
    import tensorflow as tf
    from .decoding import make_predictor
    from .train import per_example_loss
    predictor = make_predictor(model, config.model)

    @tf.function(reduce_retracing=True)
    def eval_step(batch):
        return per_example_loss(model, config, batch, training=False), predictor(batch["features"], batch["mask"])
    return eval_step


def score_batches(eval_step, data) -> tuple[dict, list[tuple[int, str, str]]]:
    """Run every batch of `data` (a data.Batches); -> metric dict with mean loss, (index, target, prediction)."""
    from .decoding import decode_rows
    phrases = data.phrases
    rows, losses = [], []
    for batch in data.dataset():
        loss, tokens = eval_step(batch)
        losses += loss.numpy().tolist()
        rows += [(int(i), phrases[i], text) for i, text in zip(batch["index"].numpy(), decode_rows(tokens.numpy()))]
    result = score([t for _, t, _ in rows], [p for _, _, p in rows])
    result["loss"] = float(np.mean(losses)) if losses else float("nan")
    return result, rows


def load_run(run_dir, which: str = "best"):
    """(config, model, meta) rebuilt from a run directory's checkpoint."""
    from . import checkpoint
    from .config import RunConfig
    from .train import build_model
    path = Path(run_dir) / f"{which}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir}: no {which}.npz checkpoint (train first)")
    meta, weights, _ = checkpoint.load(path)
    config = RunConfig.from_dict(meta["config"])
    model = build_model(config, meta["num_features"])
    model.set_weights(weights)
    return config, model, meta


def evaluate_run(run_dir, store_path, split: str = "val", which: str = "best") -> dict:
    """Score a run's checkpoint on one split of a store; writes RUN_DIR/predictions_<split>.csv."""
    from .data import Batches
    from .store import Store
    config, model, _ = load_run(run_dir, which)
    store = Store(store_path)
    indices = store.split(split)
    if len(indices) == 0:
        raise ValueError(f"{store_path}: the {split} split is empty; nothing to evaluate")
    data = Batches(store, indices, config, training=False)
    result, rows = score_batches(make_eval_step(model, config), data)
    path = Path(run_dir) / f"predictions_{split}.csv"
    write_predictions(path, store, rows)
    return {"score": result["score"], "cer": result["cer"], "sequences": result["sequences"],
            "characters": result["characters"], "loss": result["loss"], "predictions": str(path)}


def write_predictions(path: Path, store, rows) -> None:
    from rapidfuzz.distance import Levenshtein
    table = store.sequences
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sequence_id", "participant_id", "phrase", "prediction", "distance"])
        for index, target, prediction in sorted(rows):
            writer.writerow([table.sequence_id[index], table.participant_id[index], target, prediction,
                             Levenshtein.distance(target, prediction)])
