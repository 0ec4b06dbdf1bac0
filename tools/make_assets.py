"""Derive the generator's small shape tables from the real reference data in ../shared/data.

Writes src/fingerspell/assets/handshapes.npz: for each of the four real signers (fingerspell.synth.real_letters),
up to 24 real frames per letter A-Z in the canonical hand frame (a right hand as an unmirrored camera sees
it, wrist at the origin, wrist-to-middle-knuckle length 1), float16: `<signer>/shapes` (n, 21, 3) and
`<signer>/letters` (n,) letter indices 0..25. And body_template.json: one real Holistic frame's face and pose.
The outputs are committed so that generation needs no download (about 200 KB).

Sources and licences (kept in assets/LICENSES.md): borisgraudt/asl-ai (MIT), Siruyy/realtime-asl-recognizer
(MIT), sign-language-processing/spoken-to-signed-translation (MIT), OpenASL/Fingerspelling-iOS photos (MIT,
landmarks by our own extractor), Kaggle ISLR frame (CC BY 4.0, Google).

    python tools/make_assets.py [--openasl-extracted out/openasl]
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from fingerspell.synth.handshapes import LETTERS, canonical_hands, is_mirrored
from fingerspell.synth.real_letters import PHOTO_FOLDER, SIGNERS, read_signer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
ASSETS = ROOT / "src" / "fingerspell" / "assets"
PER_LETTER = 24


def _central(clip: np.ndarray) -> np.ndarray:
    """The middle half of a clip: the held letter, not the hand arriving or leaving."""
    n = len(clip)
    return clip[n // 4: max(n // 4 + 1, 3 * n // 4)]


def signer_shapes(name: str, extracted: Path) -> tuple[np.ndarray, np.ndarray]:
    real = read_signer(name, DATA, extracted)
    mirror = is_mirrored(real.hands, real.letters)
    shapes, letters = [], []
    for index, letter in enumerate(LETTERS):
        frames = np.concatenate([_central(c) for c in real.of(letter)])
        picks = frames[np.unique(np.linspace(0, len(frames) - 1, PER_LETTER).round().astype(int))]
        shapes.append(canonical_hands(picks, mirror))
        letters += [index] * len(picks)
    return np.concatenate(shapes).astype(np.float16), np.array(letters, np.uint8)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--openasl-extracted", default=str(ROOT / "out" / "openasl"))
    args = parser.parse_args()
    extracted = Path(args.openasl_extracted)
    if not (extracted / "metadata.csv").is_file():
        photos = sorted((DATA / PHOTO_FOLDER).glob("*.png"))
        subprocess.run([sys.executable, "-m", "fingerspell", "extract", *map(str, photos), "-o", str(extracted)],
                       check=True)
    arrays = {}
    for name in SIGNERS:
        shapes, letters = signer_shapes(name, extracted)
        arrays[f"{name}/shapes"], arrays[f"{name}/letters"] = shapes, letters
        print(f"{name}: {len(shapes)} shapes")
    ASSETS.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(ASSETS / "handshapes.npz", **arrays)
    (ASSETS / "body_template.json").write_text(json.dumps(body_template()))


if __name__ == "__main__":
    main()
