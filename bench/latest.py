"""Each bench's latest figures, from bench/results.jsonl: the bench, when, which code, the headline figures and
the command that reproduces them. The README's headline table is taken from this.

    python bench/latest.py [--json | --markdown] [--all] [--bench NAME ...] [--results FILE]

"Latest" is the last line of a bench in the file (lines are appended as runs end, so the file is in time order;
the lines converted from the old results-*.json files come first, in the order those were committed).
`--all` prints every line instead. A commit of "-" means the old file did not say which code it measured
("added_in" then names the commit that added that file).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import read_results, results_path

BENCHES = sorted(p.stem for p in Path(__file__).resolve().parent.glob("*.py") if p.stem not in ("common", "latest"))


def _get(metrics: dict, path: str):
    value = metrics
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _first(metrics: dict, *paths: str):
    """The value at the first of the dotted `paths` that `metrics` has (older lines named some figures apart)."""
    for path in paths:
        value = _get(metrics, path)
        if value is not None:
            return value
    return None


def _figures(pairs) -> dict:
    return {label: value for label, value in pairs if value is not None}


def _accuracy(m):
    return _figures([("ctc test score", _get(m, "models.ctc.test_score")), ("ctc steps", _get(m, "models.ctc.steps")),
                     ("seq2seq test score", _get(m, "models.seq2seq.test_score")),
                     ("minutes per model", m.get("minutes_per_model"))])


def _bundled(m):
    return _figures([(f"{model} on {name}", _get(m, f"sets.{key}.{model}.score"))
                     for key, name in (("demo_test", "demo test split"), ("fresh", "fresh set"))
                     for model in ("bundled", "demo")])


def _convert(m):
    return _figures([("frames/s", m.get("fingerspell_frames_per_second")), ("x notebook", m.get("speedup")),
                     ("batch of 64, ms", m.get("store_random_batch64_ms_median"))])


def _decoding(m):
    return _figures([(f"{label}, {decoder}", _get(m, path.format(decoder)))
                     for label, path in (("synthetic", "synthetic.{}.score"), ("real letters", "real_letters.mean.{}"))
                     for decoder in ("greedy", "beam_lm", "beam_lm_lexicon", "beam_lm_words")]
                    + [("beam + LM ms per 150 frames", _get(m, "time.beam_lm_decode_ms"))])


def _frame_rate(m):
    return _figures([(label, _get(m, f"{key}.score")) for label, key in (
        ("every frame", "every_frame"), ("1 in 2", "one_frame_in_2"), ("1 in 2 filled", "one_frame_in_2_filled"),
        ("1 in 4", "one_frame_in_4"), ("1 in 4 filled", "one_frame_in_4_filled"))])


def _holistic_workers(m):
    clips = m.get("clips", {})
    stride = m.get("stride", 3)

    def per_clip(key):
        values = [_get(clip, f"{key}.median_abs_diff_hands") for clip in clips.values()]
        return " / ".join(str(v) for v in values) if values and None not in values else None
    return _figures([("median hand diff, 2 instances", per_clip("two_instances_every_frame")),
                     (f"1 instance, every {stride}th frame", per_clip(f"one_instance_every_{stride}th_frame")),
                     ("clips", len(clips) or None)])


def _inference(m):
    size = _get(m, "models.ctc.bytes")
    return _figures([("ctc ms, 1 thread", _get(m, "models.ctc.median_ms_1_thread")),
                     ("ctc MB", round(size / 1e6, 2) if size else _get(m, "models.ctc.size_mb")),
                     ("ctc score", _get(m, "models.ctc.score")),
                     ("x seed export", m.get("ctc_speedup_vs_seed_1_thread"))])


def _live(m):
    if "frames_per_s" in m:  # one page load
        size = _get(m, "downloaded_bytes.total")
        return _figures([("frames/s", m["frames_per_s"]), ("s to first reading", m.get("seconds_to_first_reading")),
                         ("MB downloaded", round(size / 1e6, 1) if size else None)])
    return _figures([(f"frames/s, {name}", variant.get("frames_per_s_median"))  # variants side by side
                     for name, variant in m.items() if isinstance(variant, dict)])


def _model_size(m):
    return _figures([(f"dim {r['dim']}, {r['minutes']:g} min: {what}", _get(r, path))
                     for r in m.get("rows", [])
                     for what, path in (("steps", "steps"), ("synthetic", "synthetic_test_score"),
                                        ("development letters", "development_letters.score"),
                                        ("real digits", "digits.score"))])


def _onset(m):
    return _figures([(f"{key} {source}", _get(m, f"{source}.{key}.median")) for key in ("rise_palms", "forming_s")
                     for source in ("real", "synthetic")])


def _motion(m):
    return _figures([(f"{letter} {key} {source}", _get(m, f"{source}_{letter}.{key}" + suffix))
                     for letter in "jz" for key in ("tip_width", "turn_at_end")
                     for source, suffix in (("spoken", ""), ("synthetic", ".median"))])


def _pipeline(m):
    return _figures([("sequences/s", _first(m, "sequences_per_s", "medians_sequences_per_s.ours")),
                     ("host features", m.get("host_features_sequences_per_s")),
                     ("baseline", _first(m, "baseline_sequences_per_s", "medians_sequences_per_s.baseline")),
                     ("x baseline", _first(m, "ratio", "ratio_vs_baseline"))])


def _real_letters(m):
    if "reported_mean" in m:  # the development signer apart from the reported ones; real digits; first letters
        return _figures([("reported mean (letters)", m["reported_mean"]),
                         (f"development ({m.get('development')})", m.get("development_score")),
                         ("real digits", m.get("digits_mean")),
                         ("first letter right", m.get("reported_first_char_accuracy")),
                         ("the same letters later in words", m.get("reported_first_letters_elsewhere")),
                         ("reported mean, beam + LM", m.get("reported_mean_beam_lm")),
                         ("reported mean, beam + LM without lexicon", m.get("reported_mean_beam_lm_no_lexicon")),
                         ("names not in the lexicon", m.get("reported_names")),
                         ("names, beam + LM", m.get("reported_names_beam_lm")),
                         ("real digits, beam + LM", m.get("digits_mean_beam_lm"))]
                        + [(name, signer.get("score")) for name, signer in m.get("signers", {}).items()])
    return _figures([("mean real score", m.get("mean_score"))]
                    + [(name, signer.get("score")) for name, signer in m.get("signers", {}).items()])


def _scale(m):
    return _figures([("fraction", m.get("fraction")), ("synth min", m.get("synth_minutes")),
                     ("prepare min", m.get("prepare_minutes")), ("store GB", m.get("store_gb")),
                     ("s per full step", _get(m, "train.median_step_s"))])


def _train_step(m):
    return _figures([("s per step", _get(m, "seconds_per_step.after")),
                     ("before", _get(m, "seconds_per_step.before")), ("x before", m.get("speedup"))])


HEADLINES = {"accuracy": _accuracy, "bundled": _bundled, "convert": _convert, "decoding": _decoding,
             "frame_rate": _frame_rate, "holistic_workers": _holistic_workers, "inference": _inference,
             "live": _live, "model_size": _model_size, "motion": _motion, "onset": _onset, "pipeline": _pipeline,
             "real_letters": _real_letters, "scale": _scale, "train_step": _train_step}


def headline(line: dict) -> dict:
    """A line's key figures; for a bench without its own choice, its first few numbers."""
    metrics = line.get("metrics", {})
    if line["bench"] in HEADLINES:
        return HEADLINES[line["bench"]](metrics)
    return dict([(k, v) for k, v in metrics.items() if isinstance(v, (int, float))][:4])


def summary(line: dict) -> dict:
    return {"bench": line["bench"], "date": line["date"], "commit": line.get("commit"),
            "machine": _machine(line.get("machine") or {}), "figures": headline(line), "command": line["command"],
            **({"converted_from": line["converted_from"]} if "converted_from" in line else {})}


def _machine(machine: dict) -> str:
    words = [f"{machine.get('cpus')} CPUs" if machine.get("cpus") else None,
             machine.get("arch"), machine.get("gpu") or "no GPU"]
    return ", ".join(w for w in words if w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the figures as JSON")
    shape.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--all", action="store_true", help="every line, not only each bench's latest")
    parser.add_argument("--bench", nargs="+", metavar="NAME", help="only these benches")
    parser.add_argument("--results", default=None, help=f"the results file (default {results_path()})")
    args = parser.parse_args()
    lines = read_results(args.results)
    if args.bench:
        lines = [line for line in lines if line["bench"] in args.bench]
    if not args.all:
        latest = {line["bench"]: line for line in lines}
        lines = [latest[name] for name in sorted(latest)]
    rows = [summary(line) for line in lines]
    missing = [name for name in BENCHES if name not in {r["bench"] for r in rows} and not args.all
               and (not args.bench or name in args.bench)]
    if args.json:
        print(json.dumps({"results": rows, "no_results": missing}, indent=1))
        return
    if args.markdown:
        print("| bench | figures | date | commit | reproduce |")
        print("|---|---|---|---|---|")
        for r in rows:
            figures = "; ".join(f"{label} **{value}**" for label, value in r["figures"].items())
            print(f"| {r['bench']} | {figures} | {r['date']} | {r['commit'] or '-'} | `{r['command']}` |")
    else:
        for r in rows:
            origin = f"  (from {r['converted_from']})" if "converted_from" in r else ""
            print(f"{r['bench']:<17} {r['date']:<21} {r['commit'] or '-':<14} {r['machine']}{origin}")
            print("    " + "  ".join(f"{label}: {value}" for label, value in r["figures"].items()))
            print(f"    $ {r['command']}")
    for name in missing:
        print(f"{name}: no results yet", file=sys.stderr)


if __name__ == "__main__":
    main()
