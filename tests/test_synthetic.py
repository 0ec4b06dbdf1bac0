import hashlib
import json

import numpy as np
import pandas as pd

from conftest import shared
from fingerspell import handshapes
from fingerspell.landmarks import PART_OFFSET
from fingerspell.synthetic import make_signer, render_sequence
from fingerspell.synthetic_dataset import STATS_FILE, compare_statistics, synthesize
from fingerspell.vocab import CHARACTERS


def _digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_identical_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    synthesize(a, sequences=30, signers=4, seed=3, supplemental=5, sequences_per_file=20, progress=False)
    synthesize(b, sequences=30, signers=4, seed=3, supplemental=5, sequences_per_file=20, workers=2, progress=False)
    synthesize(c, sequences=30, signers=4, seed=4, supplemental=5, sequences_per_file=20, progress=False)
    assert _digest(a) == _digest(b)
    assert _digest(a)["train.csv"] != _digest(c)["train.csv"]


def test_layout_is_kaggle(tiny_dataset):
    train = pd.read_csv(tiny_dataset / "train.csv")
    supplemental = pd.read_csv(tiny_dataset / "supplemental_metadata.csv")
    assert list(train.columns) == ["path", "file_id", "sequence_id", "participant_id", "phrase"]
    assert len(train) == 120 and len(supplemental) == 20
    assert train.path.str.fullmatch(r"train_landmarks/\d+\.parquet").all()
    assert (train.path == "train_landmarks/" + train.file_id.astype(str) + ".parquet").all()
    assert train.groupby("file_id").size().max() == 60
    assert train.sequence_id.is_unique
    files = {p.name for p in (tiny_dataset / "train_landmarks").iterdir()}
    assert files == {f"{i}.parquet" for i in train.file_id.unique()}
    frame = pd.read_parquet(tiny_dataset / train.path[0])
    assert set(frame.index.unique()) == set(train[train.file_id == train.file_id[0]].sequence_id)


def test_statistics_share_the_published_keys_and_sit_near_them(tmp_path):
    ours = synthesize(tmp_path, sequences=400, signers=40, seed=11, progress=False)
    assert json.loads((tmp_path / STATS_FILE).read_text()) == ours
    published = json.loads(shared("kaggle/aslfr_published_stats.json").read_text())
    rows = {key: (theirs, mine) for key, theirs, mine in compare_statistics(ours, published)}
    assert len(rows) >= 50
    theirs, mine = rows["frames_per_char_train.p50"]
    assert abs(mine - theirs) < 2.0
    theirs, mine = rows["phrase_length_chars_train.mean"]
    assert abs(mine - theirs) < 3.0
    assert rows["phrase_length_chars_train.max"][1] <= 31
    theirs, mine = rows["hand_presence_per_sequence_train.derived_mean_missing_fraction.both_hands"]
    assert abs(mine - theirs) < 0.12


def _signer(seed=0, **changes):
    signer = make_signer(np.random.default_rng(seed), 1)
    return signer.__class__(**{**signer.__dict__, "left_dominant": False, "visibility": 0.97, **changes})


def _right_hand(frames):
    return frames[:, PART_OFFSET["right_hand"]:PART_OFFSET["right_hand"] + 21]


def test_signer_speed_sets_the_frame_count():
    slow, fast = _signer(frames_per_char=12.0), _signer(frames_per_char=5.0)
    phrase = "1383 william lanier"
    n_slow = np.mean([len(render_sequence(phrase, slow, np.random.default_rng(k))) for k in range(10)])
    n_fast = np.mean([len(render_sequence(phrase, fast, np.random.default_rng(k))) for k in range(10)])
    assert n_slow / len(phrase) > 10 and n_fast / len(phrase) < 7


def test_missing_hands_come_in_bursts_and_at_the_ends():
    signer = _signer(visibility=0.6)
    missing = np.concatenate([np.isnan(_right_hand(render_sequence("www.sudinfo.be", signer,
                                                                  np.random.default_rng(k)))[:, 0, 0])
                              for k in range(20)])
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, missing.astype(int), 0])))[::2]
    assert runs.mean() > 2.0  # bursts, not independent flicker
    first = render_sequence("3 creekhouse", signer, np.random.default_rng(1))
    assert np.isnan(_right_hand(first)[:2]).all() and np.isnan(_right_hand(first)[-2:]).all()


def test_left_dominant_signer_uses_the_left_hand():
    frames = render_sequence("hello world", _signer(left_dominant=True), np.random.default_rng(0))
    left = frames[:, PART_OFFSET["left_hand"]]
    assert np.isfinite(left[:, 0]).mean() > 0.5 > np.isfinite(_right_hand(frames)[:, 0, 0]).mean()


def test_every_character_has_its_own_sign_and_j_z_move():
    assert len({handshapes.SIGNS[c] for c in CHARACTERS}) == 59
    signer = _signer()

    def wrist_travel(char):
        frames = render_sequence(char * 1, signer, np.random.default_rng(0))
        wrist = _right_hand(frames)[:, 0, :2]
        wrist = wrist[np.isfinite(wrist[:, 0])]
        return np.ptp(wrist, axis=0).max()
    assert wrist_travel("j") > 2 * wrist_travel("i")
    assert wrist_travel("z") > 2 * wrist_travel("d")


def test_letters_look_like_their_real_handshapes():
    """A rendered letter's held hand is nearest to its own real exemplar among the 26."""
    exemplars = handshapes.letter_exemplars()
    signer = _signer(finger_scale=np.ones(5), rest_angles=np.zeros(3))
    hits = 0
    for letter in "abcdefghiklmnopqrstuvwxy":
        hand = _right_hand(render_sequence(letter, signer, np.random.default_rng(0)))
        hand = hand[np.isfinite(hand[:, 0, 0])]
        held = hand[len(hand) // 2].astype(np.float64)
        held = (held - held[0])[:, :2] / np.linalg.norm(held[9, :2] - held[0, :2])
        held[:, 0] *= -1  # undo the right-hand mirror
        distances = {k: np.abs(v.mean(0)[:, :2] - held).mean() for k, v in exemplars.items()}
        hits += min(distances, key=distances.get) == letter
    assert hits >= 20
