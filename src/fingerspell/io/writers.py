"""Readings written to files: NAME.txt (one line per sequence), NAME.csv or NAME.json."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

FORMATS = ("txt", "csv", "json")


def write_readings(rows: list[dict], source: Path, kind: str, output_dir: str | None) -> Path:
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
