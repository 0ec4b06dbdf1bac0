import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from conftest import shared
from fingerspell.synth import handshapes
from fingerspell.layout import PART_OFFSET
from fingerspell.synth.render import make_signer, render_sequence
from fingerspell.synth.corpus import STATS_FILE, apart_from, compare_statistics, synthesize


def _digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_same_arguments_give_identical_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    synthesize(a, sequences=30, signers=4, seed=3, supplemental=5, sequences_per_file=20, progress=False)
    synthesize(b, sequences=30, signers=4, seed=3, supplemental=5, sequences_per_file=20, workers=2, progress=False)
    synthesize(c, sequences=30, signers=4, seed=4, supplemental=5, sequences_per_file=20, progress=False)
    assert _digest(a) == _digest(b)
    assert _digest(a)["train.csv"] != _digest(c)["train.csv"]


@pytest.mark.slow
def test_resume_keeps_finished_files_and_ends_with_the_same_bytes(tmp_path):
    """A run killed between files leaves whole files; --resume renders only the missing ones and writes
    the same dataset and statistics as an uninterrupted run, and refuses other arguments."""
    args = dict(sequences=30, signers=4, seed=3, supplemental=5, sequences_per_file=10, progress=False)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    synthesize(whole, **args)
    synthesize(cut, **args)
    files = sorted((cut / "train_landmarks").iterdir())
    files[1].unlink()
    (cut / STATS_FILE).unlink()
    kept = files[0].stat().st_mtime_ns
    synthesize(cut, **args, resume=True)
    assert files[0].stat().st_mtime_ns == kept and files[1].is_file()  # kept, and rendered again
    assert _digest(cut) == _digest(whole)
    with pytest.raises(ValueError, match=r"other arguments \(seed: 3, now 4\)"):
        synthesize(cut, **{**args, "seed": 4}, resume=True)
    with pytest.raises(ValueError, match="nothing to resume"):
        synthesize(tmp_path / "never", **args, resume=True)


def test_sources_draw_their_sequence_ids_apart():
    """Each source draws its ids alone; one that another source took is redrawn, the rest kept."""
    taken = np.array([1_000_000_007, 1_000_000_500])
    ids = apart_from(np.array([1_000_000_003, 1_000_000_007, 1_000_000_009]), taken, np.random.default_rng(0))
    assert len(set(ids)) == 3 and not np.isin(ids, taken).any() and (np.diff(ids) > 0).all()
    assert {1_000_000_003, 1_000_000_009} <= set(ids.tolist())
    clear = np.array([1_000_000_001, 1_000_000_002])
    assert apart_from(clear, taken, np.random.default_rng(0)) is clear


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


@pytest.mark.slow
def test_statistics_share_the_published_keys_and_sit_near_them(tmp_path):
    ours = synthesize(tmp_path, sequences=200, signers=20, seed=11, progress=False)
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
    hands = [_right_hand(render_sequence("3 creekhouse", signer, np.random.default_rng(k))) for k in range(20)]
    # the hand is out of reach before it rises and after it falls (detected mid-phrase 60% of the time)
    assert np.mean([np.isnan(h[:2]).all() and np.isnan(h[-2:]).all() for h in hands]) >= 0.9


def test_left_dominant_signer_uses_the_left_hand():
    # the resting hand never detected and no label swaps: only the signing hand is left to find
    signer = _signer(left_dominant=True, swap_rate=0.0, other_visibility=0.0)
    runs = [render_sequence("hello world", signer, np.random.default_rng(k)) for k in range(6)]
    left = np.mean([np.isfinite(f[:, PART_OFFSET["left_hand"], 0]).mean() for f in runs])
    right = np.mean([np.isfinite(_right_hand(f)[:, 0, 0]).mean() for f in runs])
    assert left > 0.5 > 0.2 > right


def test_j_and_z_move():
    signer = _signer()

    def wrist_travel(char):  # over the letter itself, not the hand rising and falling around it
        from fingerspell.synth.render import hand_track
        hand, _, (lead_in, lead_out), _ = hand_track(char, signer, np.random.default_rng(0))
        return np.ptp(hand[lead_in:len(hand) - lead_out, 0, :2], axis=0).max()
    assert wrist_travel("j") > 2 * wrist_travel("i")
    assert wrist_travel("z") > 2 * wrist_travel("d")


def test_no_invented_signals():
    """Digits are ASL number handshapes (their real look-alikes included), a space has no shape of its own,
    and punctuation is traced with the index hand: nothing a real signer does not give."""
    signs = handshapes.SIGNS
    assert signs[" "] == handshapes.Sign("rest", "space")
    assert {c: signs[c].shape for c in "0269"} == {"0": "0", "2": "2", "6": "6", "9": "9"}
    generator, held_out = handshapes.digit_bank(), handshapes.digit_bank(held_out=True)
    assert set(generator.person_ids.tolist()).isdisjoint(held_out.person_ids.tolist())  # the test's people stay out
    assert sorted(set(generator.digits.tolist())) == list(range(10)) and len(generator.person_ids) > 100
    assert {signs[c].shape for c in "-./@"} == {"1"}
    assert not hasattr(signs["0"], "roll") and not hasattr(signs["0"], "yaw")
    hands = handshapes.SignerHands(np.random.default_rng(0))
    rng = np.random.default_rng(1)

    def gap(a, b):
        return np.mean([np.abs(hands.shape(a, rng) - hands.shape(b, rng)).mean() for _ in range(20)])
    assert gap("2", "v") < 0.6 * gap("2", "a")  # 2 looks like V, not like anything else
    # each digit is drawn from real photos of that number: nearest their mean of the ten (0 and O are not
    # compared: the letter signers show O from the thumb side, the photos' people show 0 more palm-on)
    bank = handshapes.digit_bank()
    means = [np.mean([handshapes.align(s, hands.palm_frame) for s in bank.shapes[bank.digits == d]], axis=0)
             for d in range(10)]
    for digit in range(10):
        drawn = hands.shape(str(digit), rng)
        assert int(np.argmin([np.abs(drawn - mean).mean() for mean in means])) == digit, digit


def _held_hand(letter, signer):
    hand = _right_hand(render_sequence(letter, signer, np.random.default_rng(0))).astype(np.float64)
    hand = hand[np.isfinite(hand[:, 0, 0])]
    held = hand[len(hand) // 2]
    held[:, 0] *= signer.aspect  # undo the camera's width scaling
    return (held - held[0])[:, :2] / np.linalg.norm(held[9, :2] - held[0, :2])


def test_letters_look_like_their_real_handshapes():
    """A rendered letter's held hand is nearest to its own real letter (mean over the real signers)."""
    bank = handshapes.shape_bank()
    reference = {}
    for letter in "abcdefghiklmnopqrstuvwxy":
        shapes = [s for source in bank.values() for s in source[letter]]
        reference[letter] = np.mean([handshapes.align(s, shapes[0]) for s in shapes], axis=0)[:, :2]
    signer = _signer(rest_angles=np.zeros(3), camera_roll=0.0)
    hits = 0
    for letter in reference:
        held = _held_hand(letter, signer)
        distances = {k: np.abs(v / np.linalg.norm(v[9]) - held).mean() for k, v in reference.items()}
        hits += min(distances, key=distances.get) == letter
    assert hits >= 16, hits


def test_signers_differ_more_than_one_signer_repeats_a_letter():
    a, b = handshapes.SignerHands(np.random.default_rng(1)), handshapes.SignerHands(np.random.default_rng(2))
    rng = np.random.default_rng(0)
    within = np.mean([np.abs(a.shape("k", rng) - a.shape("k", rng)).mean() for _ in range(20)])
    between = np.mean([np.abs(a.shape("k", rng) - b.shape("k", rng)).mean() for _ in range(20)])
    assert between > within


def test_hands_come_only_from_the_sources_asked_for():
    only = handshapes.SignerHands(np.random.default_rng(0), ("siruyy",))
    assert only.sources == ("siruyy",) and set(only.bank) == {"siruyy"}
    with pytest.raises(ValueError, match="unknown handshape sources"):
        handshapes.SignerHands(np.random.default_rng(0), ("nobody",))


def test_camera_aspect_ratio_scales_x_and_y_separately():
    portrait, landscape = _signer(aspect=9 / 16, camera_roll=0.0), _signer(aspect=16 / 9, camera_roll=0.0)

    def extent(signer):
        frames = render_sequence("hello", signer, np.random.default_rng(0))
        hand = _right_hand(frames)
        return np.nanmean(np.ptp(hand[..., 0], axis=1) / np.ptp(hand[..., 1], axis=1))
    assert extent(portrait) > 2.5 * extent(landscape)


def test_label_swaps_put_the_signing_hand_under_the_other_label():
    signer = _signer(swap_rate=1.0)
    swapped = 0
    for k in range(10):
        frames = render_sequence("www.sudinfo.be", signer, np.random.default_rng(k))
        left = frames[:, PART_OFFSET["left_hand"]:PART_OFFSET["left_hand"] + 21]
        right_place = np.nanmean(_right_hand(frames)[:, 0, 0])
        seen = np.isfinite(left[:, 0, 0])
        swapped += int((np.abs(left[seen, 0, 0] - right_place) < 0.1).sum())
    assert swapped > 0
    calm = _signer(swap_rate=0.0)
    frames = render_sequence("www.sudinfo.be", calm, np.random.default_rng(0))
    left = frames[:, PART_OFFSET["left_hand"]:PART_OFFSET["left_hand"] + 21]
    assert not (np.abs(left[np.isfinite(left[:, 0, 0]), 0, 0] - np.nanmean(_right_hand(frames)[:, 0, 0])) < 0.1).any()


def test_fast_signing_holds_less_and_skips_part_of_letters():
    from fingerspell.synth.render import timeline
    slow, fast = _signer(frames_per_char=12.0, pace_drift=0.0), _signer(frames_per_char=5.0, pace_drift=0.0)
    *_, hold_slow, reach_slow = timeline("abcdefghijkl", slow, np.random.default_rng(0))
    *_, hold_fast, reach_fast = timeline("abcdefghijkl", fast, np.random.default_rng(0))
    assert hold_fast.mean() < hold_slow.mean() and reach_fast.min() < 1.0 == reach_slow.min()


def test_generation_needs_no_shared_data(tmp_path):
    """The packaged assets are enough: generation reads nothing under ../shared/data."""
    import subprocess
    import sys
    code = ("import builtins, io\n"
            "real_open, real_io = builtins.open, io.open\n"
            "def guard(f, *a, **k):\n"
            "    if 'shared/data' in str(f): raise FileNotFoundError(f)\n"
            "    return real_open(f, *a, **k)\n"
            "builtins.open = guard\n"
            "from fingerspell.synth.corpus import synthesize\n"
            f"synthesize({str(tmp_path / 'd')!r}, sequences=8, signers=2, seed=1, progress=False)\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    assert (tmp_path / "d" / "train.csv").is_file()


def test_signers_take_real_peoples_hand_proportions():
    """A synthetic signer's bones have one real person's proportions (from the digit photos), on every shape."""
    bank = handshapes.digit_bank()
    hands = handshapes.SignerHands(np.random.default_rng(3))
    proportions = bank.bones / np.median(bank.bones, axis=0)
    assert any(np.allclose(hands.bone_scale, row) for row in proportions)
    shape = handshapes.shape_bank()["siruyy"]["b"][0].astype(np.float64)
    rebuilt = handshapes.with_bone_lengths(shape, handshapes.bone_lengths(shape) * hands.bone_scale)
    np.testing.assert_allclose(handshapes.bone_lengths(rebuilt), handshapes.bone_lengths(shape) * hands.bone_scale,
                               rtol=1e-9)
    spread = np.percentile(proportions, 90, axis=0) - np.percentile(proportions, 10, axis=0)
    assert np.median(spread) > 0.1  # many people's proportions, not one
