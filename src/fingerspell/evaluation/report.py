"""`fingerspell evaluate ... --report DIR`: plots of where a model errs, and an index page.

Errors are attributed with the Levenshtein edit script (rapidfuzz): a substituted or deleted target
character counts against that character; insertions are counted apart.
"""
from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from fingerspell.metrics import score
from fingerspell.synth.phrases import KINDS, phrase_kind
from fingerspell.evaluation.visualize import _pyplot, _save


def character_errors(rows) -> tuple[Counter, Counter, Counter, int]:
    """(occurrences per target char, errors per target char, (target, predicted) substitutions, insertions)."""
    seen, wrong, swaps, inserted = Counter(), Counter(), Counter(), 0
    for _, target, prediction in rows:
        seen.update(target)
        for op in Levenshtein.editops(target, prediction):
            if op.tag == "insert":
                inserted += 1
                continue
            wrong[target[op.src_pos]] += 1
            if op.tag == "replace":
                swaps[(target[op.src_pos], prediction[op.dest_pos])] += 1
    return seen, wrong, swaps, inserted


def write_report(rows: list[tuple[int, str, str]], out_dir, title: str = "evaluation") -> Path:
    """rows: (sequence_id, target, prediction). Writes PNGs and index.html into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seen, wrong, swaps, inserted = character_errors(rows)
    overall = score([r[1] for r in rows], [r[2] for r in rows])
    _per_character(seen, wrong, out / "error_rate_per_character.png")
    kinds = {k: score([r[1] for r in rows if phrase_kind(r[1]) == k], [r[2] for r in rows if phrase_kind(r[1]) == k])
             for k in KINDS}
    _by_kind(kinds, out / "score_by_phrase_kind.png")
    _substitutions(swaps, out / "substitutions.png")
    worst = sorted(rows, key=lambda r: -Levenshtein.distance(r[1], r[2]) / max(1, len(r[1])))[:25]
    page = [f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p>score (N - D) / N = {overall['score']:.4f}, CER {overall['cer']:.4f}, {overall['sequences']} "
            f"sequences, {overall['characters']} characters, {inserted} inserted characters</p>",
            "<ul>" + "".join(f"<li>{k}: {v['sequences']} sequences, score "
                             f"{'-' if v['score'] is None else format(v['score'], '.4f')}</li>" for k, v in kinds.items())
            + "</ul>"]
    for image in ("error_rate_per_character.png", "score_by_phrase_kind.png", "substitutions.png"):
        page.append(f"<p><a href='{image}'><img src='{image}' style='max-width:100%'></a></p>")
    page.append("<h2>Worst predictions</h2><table border=1 cellpadding=3><tr><th>sequence</th><th>phrase</th>"
                "<th>prediction</th><th>distance</th></tr>")
    page += [f"<tr><td>{sid}</td><td><code>{html.escape(t)}</code></td><td><code>{html.escape(p)}</code></td>"
             f"<td>{Levenshtein.distance(t, p)}</td></tr>" for sid, t, p in worst]
    page.append("</table></body></html>")
    index = out / "index.html"
    index.write_text("\n".join(page), encoding="utf-8")
    return index


def _per_character(seen, wrong, path):
    plt = _pyplot()
    chars = sorted(seen)
    rates = [wrong[c] / seen[c] for c in chars]
    figure, axis = plt.subplots(figsize=(max(6, 0.22 * len(chars)), 3.2))
    axis.bar(range(len(chars)), rates, color="tab:red")
    axis.set_xticks(range(len(chars)), [repr(c)[1:-1] if c != " " else "␣" for c in chars], fontsize=7)
    axis.set_ylabel("error rate"), axis.set_title("errors per target character (substituted or deleted)")
    _save(figure, path)


def _by_kind(kinds, path):
    plt = _pyplot()
    names = [k for k in kinds if kinds[k]["score"] is not None]
    figure, axis = plt.subplots(figsize=(5, 3))
    axis.bar(names, [kinds[k]["score"] for k in names], color="tab:green")
    for i, k in enumerate(names):
        axis.text(i, kinds[k]["score"], f"{kinds[k]['score']:.3f}\n({kinds[k]['sequences']})", ha="center", va="bottom",
                  fontsize=8)
    axis.set_ylim(min(0.0, *[kinds[k]["score"] for k in names]) if names else 0, 1.15)
    axis.set_ylabel("score"), axis.set_title("score by phrase kind")
    _save(figure, path)


def _substitutions(swaps, path, top: int = 20):
    plt = _pyplot()
    common = swaps.most_common(top)
    figure, axis = plt.subplots(figsize=(6, 0.3 * max(len(common), 3) + 1))
    labels = [f"{a!r} -> {b!r}" for (a, b), _ in common]
    axis.barh(np.arange(len(common)), [n for _, n in common], color="tab:purple")
    axis.set_yticks(np.arange(len(common)), labels, fontsize=8)
    axis.invert_yaxis(), axis.set_xlabel("count"), axis.set_title("most frequent substitutions")
    _save(figure, path)
