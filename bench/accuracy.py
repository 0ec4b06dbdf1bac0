"""Accuracy under a fixed wall-clock budget: the CTC default against the seed baseline, side by side.

A fixed synthetic benchmark (seeded; test signers and test phrases never seen in training) is generated and prepared
once; each model then trains for the same number of minutes on this machine, one after the other, in
its own process, and is scored on the test split (fingerspell.pipeline: one run folder per model beside the
shared store). Prints JSON and appends it to bench/results.jsonl.

    python bench/accuracy.py [--minutes 10] [--sequences 3000] [--signers 30] [--seed 1234] [--out DIR]
"""
from __future__ import annotations

import json
from pathlib import Path

from common import record, training_parser
from fingerspell.pipeline import PipelineSpec, run_pipeline
from fingerspell.store.store import Store


def main() -> None:
    parser = training_parser(__doc__, "out/bench-accuracy")
    parser.add_argument("--models", default="ctc,seq2seq")
    args = parser.parse_args()
    out = Path(args.out)

    def spec(model: str = "ctc") -> PipelineSpec:
        return PipelineSpec(str(out), sequences=args.sequences, signers=args.signers, data_seed=args.seed,
                            model=model, minutes=args.minutes, run=str(out / f"run-{model}"),
                            evaluate_model="run", train_in_subprocess=True)
    store = spec().folders["store"]
    run_pipeline(spec(), through="prepare", progress=False)
    header, table = Store(store).header, Store(store).sequences
    train_phrases = set(table.phrase[table.split == "train"])
    test = table[table.split == "test"]
    report = {"minutes_per_model": args.minutes,
              "dataset": {"sequences": args.sequences, "signers": args.signers, "seed": args.seed,
                          "splits": header["splits"], "split_rule": header.get("split_rule"),
                          "test_phrases_seen_in_training": round(float(test.phrase.isin(train_phrases).mean()), 4),
                          "test_signers_seen_in_training": int(test.participant_id.isin(
                              table.participant_id[table.split == "train"]).sum())},
              "models": {}}
    for model in args.models.split(","):
        result = run_pipeline(spec(model), through="evaluate", progress=False)
        trained, test = result["training"] or {}, result["evaluation"]
        report["models"][model] = {"test_score": round(test["score"], 4), "test_cer": round(test["cer"], 4),
                                   "test_sequences": test["sequences"], "steps": trained.get("step"),
                                   "epochs": trained.get("epoch"), "val_best": trained.get("best_score"),
                                   "parameters": trained.get("parameters"), "train_seconds": trained.get("elapsed_s")}
    if {"ctc", "seq2seq"} <= set(report["models"]):
        report["ctc_minus_seq2seq"] = round(report["models"]["ctc"]["test_score"]
                                            - report["models"]["seq2seq"]["test_score"], 4)
    record("accuracy", args, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
