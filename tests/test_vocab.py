import json

import pytest

from conftest import shared
from fingerspell import vocab


def test_vocabulary_matches_the_competition_file():
    official = json.loads(shared("kaggle/character_to_prediction_index.json").read_text())
    assert vocab.CHAR_TO_INDEX == official
    assert [official[c] for c in vocab.CHARACTERS] == list(range(59))


def test_special_tokens_follow_the_59_characters():
    assert vocab.NUM_CHARACTERS == 59
    assert {vocab.PAD_TOKEN, vocab.SOS_TOKEN, vocab.EOS_TOKEN} == {59, 60, 61}
    assert vocab.BLANK_TOKEN >= 59 and vocab.CTC_CLASSES == 60


def test_character_map_round_trip(tmp_path):
    path = tmp_path / "character_to_prediction_index.json"
    vocab.write_character_map(path)
    assert vocab.read_character_map(path) == vocab.CHAR_TO_INDEX
    path.write_text(json.dumps({**vocab.CHAR_TO_INDEX, "a": 0, " ": 32}))
    with pytest.raises(ValueError, match="not the 59-character"):
        vocab.read_character_map(path)


def test_encode_decode_and_unknown_characters():
    assert vocab.decode(vocab.encode("+33-393-3858")) == "+33-393-3858"
    assert vocab.decode([32, 59, 60, 33]) == "ab"  # model tokens are dropped
    with pytest.raises(ValueError, match="'A'"):
        vocab.encode("Abc")
    assert vocab.unknown_characters("héllo Ü") == ["é", "Ü"]
