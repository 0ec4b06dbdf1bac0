"""The real-hand test sets (evaluation/real_sets.py): digit strings of held-out people, real letters spelled as
words, and scoring the first character apart."""
import numpy as np

from conftest import shared
from fingerspell.evaluation.real_sets import digit_strings, doubles_read, first_and_rest, letter_words, read_set
from fingerspell.layout import NUM_LANDMARKS
from fingerspell.synth.handshapes import digit_bank
from fingerspell.decoders.words import read_lexicon
from fingerspell.synth.real_letters import NAMES, WORDS


def test_digit_strings_are_seeded_and_spelled_by_held_out_people():
    first, again, other = digit_strings(12, seed=3), digit_strings(12, seed=3), digit_strings(12, seed=4)
    assert [t for t, _ in first] == [t for t, _ in again]
    assert all(np.array_equal(a, b, equal_nan=True) for (_, a), (_, b) in zip(first, again))
    assert [t for t, _ in first] != [t for t, _ in other]
    held_out = digit_bank(held_out=True)
    for k, (text, frames) in enumerate(first):
        assert text.isdigit() and 7 <= len(text) <= 10
        person = held_out.person_ids[k % len(held_out.person_ids)]
        assert set(text) <= {str(d) for d in held_out.digits[held_out.people == person]}
        assert frames.shape[1:] == (NUM_LANDMARKS, 3) and len(frames) >= 6 * len(text)
    assert not set(held_out.person_ids) & set(digit_bank().person_ids)


def test_the_first_character_is_scored_apart_by_alignment():
    def brief(result):
        return {k: result[k] for k in ("first_char_accuracy", "rest_score")}
    assert brief(first_and_rest(["hello"], ["hello"])) == {"first_char_accuracy": 1.0, "rest_score": 1.0}
    assert brief(first_and_rest(["hello"], ["ello"])) == {"first_char_accuracy": 0.0, "rest_score": 1.0}  # lost
    assert brief(first_and_rest(["hello"], ["jello"])) == {"first_char_accuracy": 0.0, "rest_score": 1.0}  # garbled
    assert first_and_rest(["hello"], ["xhello"])["first_char_accuracy"] == 0.0  # something read before it
    halves = first_and_rest(["hello", "world"], ["hello", "wrld"])
    assert halves["first_char_accuracy"] == 1.0 and halves["rest_score"] == 0.875  # 1 of 8 rest characters


def test_first_letters_are_compared_with_the_same_letters_later_in_words():
    assert first_and_rest(["hello"], ["hello"])["first_letters_elsewhere"] is None  # no later h
    later = first_and_rest(["abca", "ab", "cac"], ["abc", "ab", "cac"])
    # first letters a, a, c; later a: lost in "abca", read in "cac" (1 of 2); later c: read in "abca" (1 of 1)
    assert later["first_letters_elsewhere"] == round((0.5 + 0.5 + 1.0) / 3, 4)
    assert later["first_char_accuracy"] == 1.0


def test_a_set_is_read_greedy_and_with_the_beam_search():
    class Model:
        def predict(self, frames, decoder):
            word = "".join(chr(97 + int(v)) for v in frames[:, 0, 0])
            return word if decoder == "greedy" else word[1:] if decoder == "beam" else word[:-1]

    sequences = [(w, np.array([[[ord(c) - 97, 0, 0]] for c in w], float)) for w in ("abc", "dog")]
    read = read_set(Model(), sequences)
    assert read["score"] == 1.0 and read["first_char_accuracy"] == 1.0 and read["sequences"] == 2
    assert read["beam_lm"] == {"score": 0.6667, "first_char_accuracy": 0.0, "rest_score": 1.0,
                               "first_letters_elsewhere": None, "doubles_read": None}
    assert read["beam_lm_no_lexicon"] == {"score": 0.6667}


def test_doubles_count_only_when_read_as_two_where_they_stand():
    assert doubles_read(["yellow"], ["yelow"]) == 0.0  # the double read once
    assert doubles_read(["yellow"], ["yellow"]) == 1.0
    assert doubles_read(["yellow"], ["jellow"]) == 1.0  # another letter's mistake is not the double's
    assert doubles_read(["5550"], ["550"]) == 0.5  # "555" holds two pairs; one of them lost
    assert doubles_read(["yellow", "cat"], ["yellow", "cat"]) == 1.0 and doubles_read(["cat"], ["cat"]) is None
    assert doubles_read(["a  b"], ["a b"]) is None  # two spaces are no doubled sign
    assert doubles_read(["aa", "bb"], ["aa", "b"]) == 0.5


def test_the_names_are_out_of_the_lexicon_and_the_words_in_it():
    lexicon = read_lexicon()
    assert not set(NAMES) & lexicon.words and len(NAMES) == 20
    assert set(WORDS) <= lexicon.words  # said beside every figure the lexicon changes (docs/decoding.md)


def test_real_letters_are_spelled_as_the_words(tmp_path):
    data = shared("real_letters/borisgraudt_letters.npz").parents[1]
    words = letter_words("borisgraudt", data, tmp_path, seed=1)
    assert [w for w, _ in words] == list(WORDS)
    assert all(frames.shape[1:] == (NUM_LANDMARKS, 3) and len(frames) >= 6 * len(w) for w, frames in words)
    again = letter_words("borisgraudt", data, tmp_path, seed=1)
    assert all(np.array_equal(a, b, equal_nan=True) for (_, a), (_, b) in zip(words, again))
    assert [w for w, _ in letter_words("borisgraudt", data, tmp_path, seed=1, words=NAMES[:3])] == list(NAMES[:3])
