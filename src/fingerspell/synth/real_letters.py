"""Real fingerspelled letters of four real signers, read from the team's reference data.

Each source is one person's MediaPipe hand landmarks per letter A-Z (see ../shared/data/README.md):

| signer | file | what it holds |
|---|---|---|
| borisgraudt | real_letters/borisgraudt_letters.npz | ~400 consecutive webcam frames per letter (MIT) |
| siruyy | real_letters/siruyy_letters.npz | ~195 independent captures per letter at varied angles, both hands (MIT) |
| spoken_to_signed | real_letters/spoken_to_signed_ase/*.pose | one Holistic clip per letter, J and Z moving (MIT) |
| openasl | real_letters/openasl_photos/*.png | one photo per letter; landmarks from `fingerspell extract` (MIT) |

The generator is built from some of them (tools/make_assets.py) and bench/real_letters.py reads the one held
out. Readers return `RealLetters`: image-normalised hands as captured, frames of a clip in order.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fingerspell.io.inputs import read_pose_landmarks
from fingerspell.errors import DataError
from fingerspell.synth.handedness import one_handed
from fingerspell.synth.handshapes import shape_bank
from fingerspell.synth.traces import is_still, palm_length, traced
from fingerspell.layout import HAND_SIZE, NUM_LANDMARKS, PART_OFFSET

LETTERS = "abcdefghijklmnopqrstuvwxyz"
SIGNERS = ("borisgraudt", "siruyy", "spoken_to_signed", "openasl")
_NPZ_FILES = {"borisgraudt": "real_letters/borisgraudt_letters.npz", "siruyy": "real_letters/siruyy_letters.npz"}
# rows that are separate captures, not frames of a video: each is a clip of its own
_INDEPENDENT_CAPTURES = {"siruyy"}
POSE_FOLDER = "real_letters/spoken_to_signed_ase"
PHOTO_FOLDER = "real_letters/openasl_photos"


@dataclass(frozen=True)
class RealLetters:
    """One real signer's letters: hands `(N, 21, 3)` float32 image-normalised, `letters` (N,) 'a'..'z',
    `clips` (N,) ints (frames of one recording share an id and are in time order)."""
    signer: str
    hands: np.ndarray
    letters: np.ndarray
    clips: np.ndarray

    def of(self, letter: str) -> list[np.ndarray]:
        """The clips of one letter, each `(frames, 21, 3)` in time order."""
        rows = self.letters == letter
        return [self.hands[rows & (self.clips == c)] for c in np.unique(self.clips[rows])]


def read_npz_letters(path: str | Path, signer: str, independent: bool = False) -> RealLetters:
    """An npz with `landmarks` (N, 21, 3) and `letter` (N,); optional `frame` orders each letter's run.
    `independent`: every row is a capture of its own (its own clip), not a frame of one recording."""
    path = Path(path)
    if not path.is_file():
        raise DataError("missing (see ../shared/data/README.md for the real signers' files)", path)
    try:
        with np.load(path, allow_pickle=False) as data:
            hands, letters = np.asarray(data["landmarks"], np.float32), np.char.lower(data["letter"].astype(str))
            frame = np.asarray(data["frame"]) if "frame" in data.files else np.arange(len(hands))
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"not a letters file with `landmarks` and `letter` arrays ({error})", path) from error
    if hands.ndim != 3 or hands.shape[1:] != (HAND_SIZE, 3):
        raise DataError(f"`landmarks` has shape {hands.shape}; expected (N, {HAND_SIZE}, 3)", path)
    if letters.shape != (len(hands),):
        raise DataError(f"`letter` has shape {letters.shape}; expected ({len(hands)},)", path)
    order = np.lexsort((frame, letters))
    clips = (np.arange(len(order)) if independent
             else np.searchsorted(np.array(sorted(set(letters.tolist()))), letters[order]))
    return RealLetters(signer, hands[order], letters[order], clips)


def read_pose_hand(path: str | Path) -> np.ndarray:
    """The signing hand of a pose-format `.pose` file: `(frames, 21, 3)` float32, image-normalised, NaN where
    undetected (read as `predict` reads .pose files). The hand with more detected frames is the signing one."""
    frames = read_pose_landmarks(path)
    hands = [frames[:, PART_OFFSET[part]:PART_OFFSET[part] + HAND_SIZE] for part in ("left_hand", "right_hand")]
    best = max(hands, key=lambda hand: np.isfinite(hand[:, 0, 0]).sum()).copy()
    if not np.isfinite(best).any():
        raise DataError(f"its hand components hold no detected {HAND_SIZE}-point hand", path)
    best[..., 2] -= best[:, :1, 2]  # the source's z carries an offset: keep it relative to the wrist
    return best


def _gather(signer: str, clips) -> RealLetters:
    """RealLetters from (letter, hand (frames, 21, 3)) pairs, one per clip; undetected frames dropped."""
    hands, letters, ids = [], [], []
    for number, (letter, hand) in enumerate(clips):
        hand = hand[np.isfinite(hand[:, 0, 0])]
        hands.append(hand)
        letters += [letter] * len(hand)
        ids += [number] * len(hand)
    return RealLetters(signer, np.concatenate(hands).astype(np.float32), np.array(letters), np.array(ids))


def _csv_rows(path: Path, hint: str) -> list[dict]:
    if not path.is_file():
        raise DataError(f"missing; {hint}", path)
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_pose_letters(folder: str | Path, signer: str = "spoken_to_signed") -> RealLetters:
    """A folder of one `.pose` clip per letter with an `index.csv` (`path`, `words` = the letter)."""
    folder = Path(folder)
    rows = _csv_rows(folder / "index.csv", "expected index.csv naming each clip's letter")
    clips = [(row["words"].strip().lower(), read_pose_hand(folder / Path(row["path"]).name))
             for row in rows if row.get("words", "").strip().lower() in tuple(LETTERS)]
    if not clips:
        raise DataError("names no single-letter clips", folder / "index.csv")
    return _gather(signer, clips)


def _signing_hand(frames: np.ndarray) -> np.ndarray:
    """The hand (right or left) detected in more frames of a `(frames, 543, 3)` sequence."""
    right, left = (frames[:, PART_OFFSET[p]:PART_OFFSET[p] + HAND_SIZE] for p in ("right_hand", "left_hand"))
    return right if np.isfinite(right[:, 0, 0]).sum() >= np.isfinite(left[:, 0, 0]).sum() else left


def read_extracted_letters(folder: str | Path, signer: str = "openasl") -> RealLetters:
    """`fingerspell extract` output of one image or clip per letter, named by the letter (A.png -> 'a')."""
    from fingerspell.io.kaggle import WideParquet
    folder = Path(folder)
    rows = _csv_rows(folder / "metadata.csv", f"run `fingerspell extract PHOTOS... -o {folder}` first")
    clips = [(Path(row["source"]).stem.lower(),
              _signing_hand(WideParquet(folder / row["path"]).read_sequence(int(row["sequence_id"]))))
             for row in rows if Path(row["source"]).stem.lower() in tuple(LETTERS)]
    if not any(np.isfinite(hand[:, 0, 0]).any() for _, hand in clips):
        raise DataError("no hand was found in any extracted letter", folder)
    return _gather(signer, clips)


def read_signer(name: str, data_root: str | Path, extracted: str | Path | None = None) -> RealLetters:
    """One of the four real signers from `data_root` (../shared/data). `openasl` needs `extracted`, the
    `fingerspell extract` output of its photos."""
    root = Path(data_root)
    if name in _NPZ_FILES:
        real = read_npz_letters(root / _NPZ_FILES[name], name, independent=name in _INDEPENDENT_CAPTURES)
        return _one_hand(real) if name in _INDEPENDENT_CAPTURES else real
    if name == "spoken_to_signed":
        return read_pose_letters(root / POSE_FOLDER, name)
    if name == "openasl":
        if extracted is None:
            raise DataError(f"openasl: give the `fingerspell extract` output of {root / PHOTO_FOLDER}")
        return read_extracted_letters(extracted, name)
    raise ValueError(f"unknown real signer {name!r}; choose from {SIGNERS}")


def _one_hand(real: RealLetters) -> RealLetters:
    """Captures of both hands made one signer's (right) hand, as the clip sources' shapes in the bank show it
    (synth.handedness): a word spelled with both hands is a signal no real signer gives."""
    bank = shape_bank()
    clip_sources = [s for s in bank if s not in _INDEPENDENT_CAPTURES]
    reference = {letter: np.concatenate([bank[s][letter] for s in clip_sources if letter in bank[s]])
                 for letter in LETTERS if any(letter in bank[s] for s in clip_sources)}
    hands, _ = one_handed(real.hands, real.letters, reference)
    return RealLetters(real.signer, hands.astype(np.float32), real.letters, real.clips)


# Words for reading real letters as sequences: every letter A-Z, none in the generator's own word list.
WORDS = ("alligator", "monkey", "jazz", "quiz", "yellow", "kitchen", "winter", "summer", "pizza", "zebra",
         "jungle", "violin", "window", "queen", "oxygen", "puzzle", "dolphin", "basket", "hollow", "lemon",
         "tiger", "pencil", "rocket", "wizard", "falcon", "ginger", "velvet", "jacket", "vortex", "quick",
         "boxer", "hybrid", "crumb", "flight", "squid", "knight", "plaza", "dizzy", "mystic", "jewel")
# names the bundled lexicon (assets/lm/words.txt) does not hold: what the beam search's lexicon must not
# spoil (tests/test_real_sets.py checks that none is in it)
NAMES = ("kowalczyk", "brzezinski", "okonkwo", "tavarez", "quintero", "oyelaran", "zbigniew", "szymanska",
         "vuksanovic", "halvorsen", "lindqvist", "yevgeny", "xochitl", "fitzwilliam", "quezada", "bjornstad",
         "wojcik", "ibekwe", "tremblay", "haruki")
TRANSITION_FRAMES = 3
# frame-to-frame landmark noise of a hand held still, in image units, for a letter held from one capture
# (a photo or a single row): MediaPipe never returns the same landmarks twice
HOLD_JITTER = 0.0015
DOUBLED_LETTER_MOVES = ("slide", "bounce")  # how signers show a doubled letter: a slide sideways, or a bounce


def spell_word(real: RealLetters, word: str, rng: np.random.Generator, mirrored: bool,
               traces: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """A word spelled with one real signer's letters: float32 `(frames, 543, 3)`, NaN where unseen.

    Per letter, 6 to 12 consecutive real frames of one of its clips (a single capture is held that long,
    with MediaPipe-like jitter), placed around one spot so that separate captures do not jump across the
    image; consecutive letters are joined by TRANSITION_FRAMES frames blending the last frame of one into
    the first of the next. A doubled letter is shown as signers show it: the second one slides sideways
    or the hand bounces between the two. Only the hand is there, as MediaPipe Hands gives it; a mirrored
    source counts as a left hand. A J or Z the source holds still is moved along its real trace in `traces`
    (letter -> synth.traces.trace_of a real clip), as no real signer spells one still."""
    pieces, previous = [], None
    for letter in word:
        frames = _held_letter(real, letter, rng)
        if traces and letter in traces and is_still(frames, letter):
            frames = traced(frames[0], traces[letter], mirrored)
            frames += rng.normal(0.0, HOLD_JITTER, frames.shape)
        if pieces:
            weights = (np.arange(1, TRANSITION_FRAMES + 1) / (TRANSITION_FRAMES + 1))[:, None, None]
            transition = (1 - weights) * pieces[-1][-1] + weights * frames[0]
            if letter == previous:
                transition, frames = _doubled(transition, frames, pieces[-1][-1], rng, mirrored)
            pieces.append(transition)
        pieces.append(frames)
        previous = letter
    hands = np.concatenate(pieces)
    out = np.full((len(hands), NUM_LANDMARKS, 3), np.nan, np.float32)
    part = "left_hand" if mirrored else "right_hand"
    out[:, PART_OFFSET[part]:PART_OFFSET[part] + HAND_SIZE] = hands
    return out


def _held_letter(real: RealLetters, letter: str, rng: np.random.Generator) -> np.ndarray:
    """6 to 12 frames of one clip of `letter`, centred on the signing spot."""
    clips = real.of(letter)
    if not clips:
        raise DataError(f"{real.signer} has no clip of {letter!r}")
    clip = clips[rng.integers(len(clips))].astype(np.float64)
    length = int(rng.integers(6, 13))
    start = int(rng.integers(max(1, len(clip) - length + 1)))
    frames = clip[start:start + length]
    repeated = np.arange(length) >= len(frames)
    frames = frames[np.minimum(np.arange(length), len(frames) - 1)]
    frames[repeated] += rng.normal(0.0, HOLD_JITTER, frames[repeated].shape)
    frames[..., :2] += np.array([0.5, 0.6]) - clip[:, 0, :2].mean(axis=0)
    return frames


def _doubled(transition: np.ndarray, frames: np.ndarray, last: np.ndarray, rng: np.random.Generator,
             mirrored: bool) -> tuple[np.ndarray, np.ndarray]:
    """The second of a doubled letter: slid sideways (towards the little-finger side, about half a hand)
    or reached by a small bounce (the hand dips and comes back)."""
    unit = palm_length(last[None])  # the hand's size in the image
    steps = (np.arange(1, len(transition) + 1) / (len(transition) + 1))[:, None]
    if DOUBLED_LETTER_MOVES[rng.integers(len(DOUBLED_LETTER_MOVES))] == "slide":
        shift = np.array([(1.0 if mirrored else -1.0) * rng.uniform(0.4, 0.7) * unit, 0.0])
        transition = transition.copy()
        transition[..., :2] += steps[:, None] * shift
        frames = frames.copy()
        frames[..., :2] += shift
    else:
        transition = transition.copy()
        transition[..., 1] += (rng.uniform(0.2, 0.4) * unit * np.sin(np.pi * steps))[:, :1]
    return transition, frames
