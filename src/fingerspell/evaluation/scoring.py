"""`fingerspell evaluate RUN_DIR --data STORE --split val|test`: the competition score of a checkpoint.

TensorFlow is imported only where a checkpoint is scored: an exported model is scored with LiteRT alone."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from fingerspell.store.store import HEADER_FILE
from fingerspell.metrics import score


def make_eval_step(model, config, data):
    """A compiled batch -> (per-sequence loss, greedy tokens) function for the batches of `data` (a
    data.Batches), traced once for every batch shape."""
    import tensorflow as tf
    from fingerspell.evaluation.predictor import make_predictor
    from fingerspell.training.run import per_example_loss
    predictor = make_predictor(model, config.model)

    @tf.function(reduce_retracing=True, input_signature=[data.spec()])
    def eval_step(batch):
        batch = data.model_inputs(batch)
        return per_example_loss(model, config, batch, training=False), predictor(batch["features"], batch["mask"])
    return eval_step


def score_batches(eval_step, data) -> tuple[dict, list[tuple[int, str, str]]]:
    """Run every batch of `data` (a data.Batches); -> metric dict with mean loss, (index, target, prediction).

    Where the sequences come from more than one metadata file (train.csv phrases, supplemental sentences),
    `by_source` scores each apart: a sentence and a 3-word phrase are different tasks."""
    from fingerspell.evaluation.predictor import decode_rows
    phrases = data.phrases
    rows, losses = [], []
    for batch in data.dataset():
        loss, tokens = eval_step(batch)
        losses += loss.numpy().tolist()
        rows += [(int(i), phrases[i], text) for i, text in zip(batch["index"].numpy(), decode_rows(tokens.numpy()))]
    result = score([t for _, t, _ in rows], [p for _, _, p in rows])
    result["loss"] = float(np.mean(losses)) if losses else float("nan")
    sources = data.store.sequences.source.to_numpy() if "source" in data.store.sequences else None
    if sources is not None and len({sources[i] for i, _, _ in rows}) > 1:
        result["by_source"] = {str(name): score([t for i, t, _ in rows if sources[i] == name],
                                                [p for i, _, p in rows if sources[i] == name])
                               for name in sorted({sources[i] for i, _, _ in rows})}
    return result, rows


def evaluate_run(run_dir, store_path, split: str = "val", which: str = "best", decoding=None) -> dict:
    """Score a run's checkpoint on one split of a store; writes RUN_DIR/predictions_<split>.csv. With
    `decoding` a beam DecodingOptions, each sequence's per-step probabilities go through the beam search
    (one at a time: no loss is reported)."""
    if decoding is not None and decoding.decoder != "greedy":
        return _evaluate_run_decoded(run_dir, store_path, split, which, decoding)
    from fingerspell.training.batches import Batches
    from fingerspell.training.run import load_run
    from fingerspell.store.store import Store
    config, model, meta = load_run(run_dir, which)
    store = Store(store_path)
    indices = np.arange(len(store)) if split == "all" else store.split(split)
    if len(indices) == 0:
        raise ValueError(f"{store_path}: the {split} split is empty; nothing to evaluate")
    data = Batches(store, indices, config, training=False)
    result, rows = score_batches(make_eval_step(model, config, data), data)
    path = Path(run_dir) / f"predictions_{split}.csv"
    write_predictions(path, store, rows)
    named = [(int(store.sequences.sequence_id[i]), target, prediction) for i, target, prediction in rows]
    by_source = {"by_source": result["by_source"]} if "by_source" in result else {}
    return {"score": result["score"], "cer": result["cer"], "sequences": result["sequences"],
            "characters": result["characters"], "loss": result["loss"], **by_source, "predictions": str(path),
            "rows": named}


def _evaluate_run_decoded(run_dir, store_path, split: str, which: str, decoding) -> dict:
    from fingerspell.inference import RunModel
    model = RunModel(run_dir, which, decoding)
    rows = [(sid, phrase, model.predict(frames)) for _, sid, phrase, frames in
            exported_sequences(store_path, model.columns, split)]
    if not rows:
        raise ValueError(f"{store_path}: the {split} split is empty; nothing to evaluate")
    path = Path(run_dir) / f"predictions_{split}_{decoding.decoder}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sequence_id", "phrase", "prediction"])
        writer.writerows(rows)
    return {**score([r[1] for r in rows], [r[2] for r in rows]), "predictions": str(path), "rows": rows}


def write_predictions(path: Path, store, rows) -> None:
    from rapidfuzz.distance import Levenshtein
    table = store.sequences
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sequence_id", "participant_id", "phrase", "prediction", "distance"])
        for index, target, prediction in sorted(rows):
            writer.writerow([table.sequence_id[index], table.participant_id[index], target, prediction,
                             Levenshtein.distance(target, prediction)])


def exported_sequences(data, columns: list[str], split: str, split_from=None):
    """(index, sequence_id, phrase, (frames, len(columns))) of one split ("all": every sequence) of a store
    or of a Kaggle dataset. A dataset folder has no split of its own: its `split` is the one recorded by
    the store `split_from` that was prepared from it."""
    from fingerspell.io.dataset import read_dataset
    from fingerspell.inference import to_columns
    from fingerspell.layout import LANDMARK_NAMES, indices_for_columns
    from fingerspell.io.kaggle import WideParquet
    from fingerspell.store.store import Store
    data = Path(data)
    if (data / HEADER_FILE).is_file():
        store = Store(data)
        position = {n: i for i, n in enumerate(store.header["landmarks"])}
        try:
            picks = [position[LANDMARK_NAMES[i]] for i in indices_for_columns(columns)[: len(columns) // 3]]
        except KeyError as error:
            raise ValueError(f"{data}: the store lacks landmark {error} that the model reads") from None
        for index in (range(len(store)) if split == "all" else store.split(split)):
            yield (int(index), int(store.sequences.sequence_id[index]), store.sequences.phrase[index],
                   to_columns(store[int(index)][:, picks], columns))
        return
    rows, problems = read_dataset(data)
    if problems:
        raise problems[0].error()
    if split != "all":
        rows = rows[rows.sequence_id.isin(_recorded_split(data, rows, split, split_from))]
    for file, group in rows.groupby("file", sort=True):
        parquet = WideParquet(file)
        for row in group.itertuples():
            frames = parquet.read_sequence(int(row.sequence_id), columns)
            yield row.Index, int(row.sequence_id), row.phrase, to_columns(frames, columns)


def _recorded_split(data: Path, rows, split: str, split_from) -> set[int]:
    """The sequence_ids of `split` as the store `split_from` recorded it, checked to be of this folder."""
    from fingerspell.store.store import Store
    if split_from is None:
        raise ValueError(f"{data}: a dataset folder has no {split} split of its own; score --split all, or "
                         "name the store prepared from it (--split-from STORE) to score that store's split")
    ids = set(Store(split_from).split_ids(split).tolist())
    missing = ids - set(rows.sequence_id.tolist())
    if missing:
        raise ValueError(f"{split_from}: not prepared from {data} ({len(missing)} of its {split} sequences, "
                         f"e.g. {min(missing)}, are not there)")
    return ids


def evaluate_exported(model_path, data, split: str = "test", out=None, split_from=None, decoding=None) -> dict:
    """Score an exported model the way a competition scorer would: selected columns -> signature ->
    argmax -> character map (or, with `decoding` a beam DecodingOptions, its per-step probabilities through
    the beam search). `data` is a store or a Kaggle-layout dataset; `split` "all" scores everything.
    The predictions go to `out` (default: predictions_SPLIT.csv beside the model)."""
    from fingerspell.inference import LiteModel
    model = LiteModel(model_path, decoding=decoding)
    rows = [(sid, phrase, model.predict(frames)) for _, sid, phrase, frames in
            exported_sequences(data, model.columns, split, split_from)]
    if not rows:
        raise ValueError(f"{data}: no sequences to evaluate in the {split} split")
    result = score([r[1] for r in rows], [r[2] for r in rows])
    path = Path(model_path)
    out = Path(out) if out else (path if path.is_dir() else path.parent) / f"predictions_{split}.csv"
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sequence_id", "phrase", "prediction"])
        writer.writerows(rows)
    return {**result, "predictions": str(out), "rows": rows}
