"""Derive the real digit handshapes from ../shared/data/real_digits (218 people, ASL numbers 0-9).

Writes src/fingerspell/assets/digit_hands.npz from ardamavi/Sign-Language-Digits-Dataset (Apache-2.0; notice
in assets/LICENSES.md): for every photo in which our own extractor (`fingerspell extract`, MediaPipe
Holistic with Hands where Holistic finds no hand) found one hand, its 21 landmarks in the canonical hand
frame of assets/handshapes.npz (a right hand as an unmirrored camera sees it, wrist at the origin,
wrist-to-middle-knuckle length 1), float16:
    shapes (n, 21, 3)   digits (n,) 0..9   people (n,) who made it   photos (n,) file names
    held_out (n,) bool  the people kept out of the generator, for the real-digit test

People: the photos are numbered in the order they were taken, ten per person, digits 0 to 9 in turn
(IMG_1118 = 0, IMG_1119 = 1, ... IMG_1127 = 9, IMG_1128 = the next person's 0); a person is such a run,
starting again wherever the digit does not go up. Held out: a fifth of the people, drawn with a fixed seed,
so no held-out person's hand is in the generator.

Handedness: the hand's chirality as the image shows it is what the canonical frame needs. MediaPipe's
handedness (the slot our extractor fills: Hands' "Left" goes to `right_hand`, since it assumes a mirrored
selfie) and the shapes' geometry (on the open hands 4 and 5, palm to the camera, is the index knuckle to the
image right of the little finger's, as for a right hand seen unmirrored?) are both reported; the shapes are
mirrored into the canonical frame only if the geometry says so.

Bad input is named in the report and skipped: a class folder with no images, an unreadable image, a photo
in which no hand is found (or two).

    python tools/make_digit_assets.py [--extracted out/digits_extracted] [--report out/digit_assets_report.json]
"""
import argparse
import json
from pathlib import Path

import numpy as np

from fingerspell.io.kaggle import WideParquet
from fingerspell.layout import PART_OFFSET
from fingerspell.synth.handshapes import canonical_hands

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "real_digits" / "ardamavi_sign_language_digits" / "Dataset"
OUT = ROOT / "src" / "fingerspell" / "assets" / "digit_hands.npz"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
HELD_OUT_SHARE, HELD_OUT_SEED = 0.2, 22  # a fifth of the people, drawn once with this seed


def photos_by_digit(source: Path, problems: list) -> list[tuple[Path, int]]:
    found = []
    for digit in range(10):
        folder = source / str(digit)
        images = sorted(p for p in folder.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []
        if not images:
            problems.append({"path": str(folder), "reason": "class folder with no images"})
        found += [(p, digit) for p in images]
    return found


def people_of(photos: list[tuple[Path, int]]) -> dict[str, int]:
    """Photo name -> person: runs of consecutively numbered photos whose digit goes up."""
    numbered = sorted((int("".join(c for c in p.stem if c.isdigit()) or 0), p.name, d) for p, d in photos)
    person, previous, out = -1, 10, {}
    for _, name, digit in numbered:
        if digit <= previous:
            person += 1
        out[name], previous = person, digit
    return out


def extract_photos(photos: list[Path], extracted: Path) -> dict[str, dict]:
    """Our extractor over the photos, once (results.json keeps each photo's outcome for a rerun):
    photo name -> {"ok", "path", "sequence_id"} or {"ok": False, "reason"}."""
    record = extracted / "results.json"
    if record.is_file():
        return json.loads(record.read_text(encoding="utf-8"))
    from fingerspell.video.extract import extract
    results = {Path(r["input"]).name: r for r in extract([str(p) for p in photos], extracted, progress=True)}
    record.write_text(json.dumps(results), encoding="utf-8")
    return results


def one_hand(frames: np.ndarray) -> tuple[np.ndarray | None, str]:
    """(the detected hand (21, 3) or None, which slot: left_hand, right_hand, none or both)."""
    found = {part: frames[0, PART_OFFSET[part]:PART_OFFSET[part] + 21] for part in ("left_hand", "right_hand")}
    seen = [part for part, hand in found.items() if np.isfinite(hand).all()]
    if len(seen) != 1:
        return None, "none" if not seen else "both"
    return found[seen[0]], seen[0]


def thumb_side_right(hands: np.ndarray) -> np.ndarray:
    """Per hand: is the index knuckle to the image right of the little finger's (a right hand, palm to an
    unmirrored camera)?"""
    return hands[:, 5, 0] > hands[:, 17, 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=str(SOURCE))
    parser.add_argument("--extracted", default=str(ROOT / "out" / "digits_extracted"))
    parser.add_argument("--report", default=str(ROOT / "out" / "digit_assets_report.json"))
    parser.add_argument("--out", default=str(OUT), help="the asset to write")
    args = parser.parse_args()
    problems = []
    photos = photos_by_digit(Path(args.source), problems)
    person_of = people_of(photos)
    extracted = extract_photos([p for p, _ in photos], Path(args.extracted))
    hands, rows = [], []
    for path, digit in photos:
        result = extracted.get(path.name, {"ok": False, "reason": "not extracted"})
        if not result["ok"]:
            problems.append({"path": str(path), "reason": result["reason"]})
            continue
        frames = WideParquet(result["path"]).read_sequence(int(result["sequence_id"]))  # (1, 543, 3)
        hand, slot = one_hand(frames)
        if hand is None:
            problems.append({"path": str(path), "reason": f"hands found: {slot}"})
            continue
        hands.append(hand)
        rows.append((path.name, digit, person_of[path.name], slot))
    hands = np.stack(hands)
    names, digits, people, slots = map(np.array, zip(*rows))
    open_hands = np.isin(digits, (4, 5))
    right_side = thumb_side_right(hands[open_hands])
    mirror = bool(right_side.mean() < 0.5)
    everyone = np.unique(people)
    held_people = set(np.random.default_rng(HELD_OUT_SEED).choice(
        everyone, round(HELD_OUT_SHARE * len(everyone)), replace=False).tolist())
    held_out = np.isin(people, sorted(held_people))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, shapes=canonical_hands(hands, mirror).astype(np.float16), digits=digits.astype(np.uint8),
                        people=people.astype(np.uint16), photos=names.astype("U16"), held_out=held_out)
    report = {
        "photos": len(photos), "hands": len(hands), "people": int(len(set(people.tolist()))),
        "held_out_people": len(held_people), "held_out_hands": int(held_out.sum()),
        "mediapipe_slot": {str(k): int(v) for k, v in zip(*np.unique(slots, return_counts=True))},
        "open_hands_index_right_of_little": float(right_side.mean()), "mirrored_into_canonical": mirror,
        "per_digit": {int(d): int((digits == d).sum()) for d in range(10)},
        "skipped": problems,
    }
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "skipped"}, indent=1))
    for problem in problems:
        print(f"skipped {problem['path']}: {problem['reason']}")
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB); report {args.report}")


if __name__ == "__main__":
    main()
