"""Derive the generator's small shape tables from the real reference data in ../shared/data.

Writes src/fingerspell/assets/letter_shapes.json (4 real MediaPipe handshapes per letter, wrist at the
origin, wrist-to-middle-knuckle length 1) and body_template.json (one real Holistic frame's face and pose,
in image-normalised coordinates). Run once; the outputs are committed so that generation needs no
download. Sources: letters CC0; ISLR frame CC BY 4.0 (Google, Kaggle ISLR).
"""
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
ASSETS = ROOT / "src" / "fingerspell" / "assets"


def letter_shapes() -> dict:
    data = np.load(DATA / "letters" / "asl_letters_mediapipe_hands.npz")
    shapes = {}
    for letter in sorted(set(data["letter"].tolist())):
        frames = data["landmarks"][data["letter"] == letter]
        picks = frames[np.linspace(0, len(frames) - 1, 4).round().astype(int)]
        picks = picks - picks[:, :1]  # wrist at the origin
        scale = np.linalg.norm(picks[:, 9, :2], axis=1)[:, None, None]
        shapes[letter.lower()] = np.round(picks / scale, 4).tolist()
    return shapes


def body_template() -> dict:
    import pyarrow.csv as pacsv
    table = pacsv.read_csv(DATA / "islr" / "islr_2044_635217.csv").to_pandas()
    first = table[table.frame == table.frame.min()]
    out = {}
    for part in ("face", "pose"):
        rows = first[first.type == part].sort_values("landmark_index")
        out[part] = np.round(rows[["x", "y", "z"]].to_numpy(), 4).tolist()
    out["source"] = "Kaggle ISLR islr_2044_635217 first frame (CC BY 4.0)"
    return out


if __name__ == "__main__":
    ASSETS.mkdir(parents=True, exist_ok=True)
    (ASSETS / "letter_shapes.json").write_text(json.dumps({"source": "asl_letters_mediapipe_hands (CC0)",
                                                           "letters": letter_shapes()}))
    (ASSETS / "body_template.json").write_text(json.dumps(body_template()))
