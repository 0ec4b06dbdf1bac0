"""The beam search, the character language model and the user's words (fingerspell.decoders)."""
import json
import math
import struct

import numpy as np
import pytest

from fingerspell.cli import main
from fingerspell.decoders.beam import SearchSettings, beam_search
from fingerspell.decoders.lm import BUNDLED_LM, END, START, LMFileError, load_lm, write_lm
from fingerspell.decoders.lm_build import build_tables
from fingerspell.decoders.options import NO_LEXICON, NO_LM, Decoder, DecodingOptions, greedy_decode
from fingerspell.decoders.words import BUNDLED_LEXICON, UserWords, read_lexicon, read_words
from fingerspell.errors import DataError
from fingerspell.vocab import BLANK_TOKEN, CHAR_TO_INDEX, NUM_CHARACTERS, encode

PHRASES = ["the cat sat", "the cat ran", "a cat and the hat", "maria lane", "12 oak street", "www.cat.com"] * 20


@pytest.fixture(scope="module")
def lm_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm") / "test.fslm"
    write_lm(path, build_tables(PHRASES, order=4, min_count=1), {"source": "test phrases"})
    return path


def spelled(text: str, doubt: dict[int, dict[str, float]] | None = None, sure: float = 0.9) -> np.ndarray:
    """Per-step probabilities that spell `text` (a character step, then a blank step); `doubt` replaces the
    probabilities of character i's step."""
    rows = []
    for i, character in enumerate(text):
        row = np.full(NUM_CHARACTERS + 1, (1 - sure) / NUM_CHARACTERS)
        row[CHAR_TO_INDEX[character]] = sure
        if doubt and i in doubt:
            row[:] = 1e-4
            for c, p in doubt[i].items():
                row[CHAR_TO_INDEX[c]] = p
        blank = np.full(NUM_CHARACTERS + 1, 1e-4)
        blank[BLANK_TOKEN] = 1.0
        rows += [row / row.sum(), blank / blank.sum()]
    return np.array(rows)


def test_language_model_is_a_distribution_after_any_context(lm_file):
    lm = load_lm(lm_file)
    for context in ["", "the c", "zzz", "12 oa", "www.cat.c", "~~~~~~"]:
        probabilities = np.exp(lm.log_probs((START, *encode(context))))
        assert probabilities.shape == (END + 1,) and math.isclose(probabilities.sum(), 1.0, rel_tol=1e-5)
        assert np.all(probabilities > 0)  # unseen characters keep some probability (Kneser-Ney to uniform)
    after = lm.log_probs((START, *encode("the c")))
    assert np.argmax(after) == CHAR_TO_INDEX["a"]
    assert lm.log_probs((START, *encode("the cat sat")))[END] > math.log(0.5)


def test_bundled_language_model_loads_and_says_what_it_is():
    lm = load_lm()
    assert lm.path == str(BUNDLED_LM) and BUNDLED_LM.stat().st_size < 8 * 2**20
    assert "CC BY-SA" in lm.header["licence"] and lm.header["built_by"] == "tools/make_lm.py"
    street = lm.log_probs((START, *encode("12 oak stree")))
    assert np.argmax(street) == CHAR_TO_INDEX["t"]


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[:-100], "truncated"),
    (lambda data: data[:8] + struct.pack("<I", 2) + data[12:], "version 2"),
    (lambda data: data[:-30] + bytes([data[-30] ^ 1]) + data[-29:], "checksum"),
    (lambda data: b"not a model at all, just text", "FSCHARLM"),
    (lambda data: data[:20], "header"),
])
def test_a_damaged_or_other_version_language_model_is_an_error_naming_it(lm_file, tmp_path, damage, message):
    bad = tmp_path / "bad.fslm"
    bad.write_bytes(damage(lm_file.read_bytes()))
    with pytest.raises(LMFileError, match=message) as error:
        load_lm(bad)
    assert str(bad) in str(error.value)


def test_a_bad_language_model_is_never_replaced_by_a_greedy_reading(lm_file, tmp_path, capsys):
    bad = tmp_path / "cut.fslm"
    bad.write_bytes(lm_file.read_bytes()[:1000])
    with pytest.raises(LMFileError):
        Decoder(DecodingOptions(decoder="beam", lm=str(bad)))
    assert main(["predict", "nothing.parquet", "--decoder", "beam", "--lm", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [
    (b"", "no words"),
    (b"\n   \n", "no words"),
    (b"maria\n\x00\x01binary", "line 2: not a text file"),
    (b"maria\nlane\n\xff\xfe\n", "line 3: not UTF-8"),
    (b"Maria\nJos\xc3\xa9\n", "line 2: characters outside the 59-character vocabulary: ['\xe9']"),
])
def test_a_bad_words_file_is_an_error_naming_file_and_line(tmp_path, content, message):
    path = tmp_path / "words.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as error:
        read_words(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_a_missing_words_file_is_an_error_from_the_command_line(tmp_path, capsys):
    missing = tmp_path / "nowhere.txt"
    assert main(["predict", "x.parquet", "--words", str(missing)]) == 2
    assert f"{missing}: words file not found" in capsys.readouterr().err


def test_words_are_lowercased_and_split_into_pieces(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("\ufeffMaria Lopez\nmary.smith@mail.com\n\n", encoding="utf-8")
    assert read_words(path).words == {"maria", "lopez", "mary", "smith", "mail", "com"}
    assert "mar" in read_words(path).beginnings


def test_beam_search_sums_the_paths_greedy_splits():
    # two steps, each 'a' 0.4 and blank 0.6: the best path is blank-blank (""), but the paths that read "a"
    # add up to 0.64
    row = np.full(NUM_CHARACTERS + 1, 0.0)
    row[CHAR_TO_INDEX["a"]], row[BLANK_TOKEN] = 0.4, 0.6
    probabilities = np.array([row, row])
    assert greedy_decode(probabilities)[0] == ""
    text, confidence, score = beam_search(probabilities, SearchSettings(beam_width=4, lm_weight=0))
    assert text == "a" and confidence == [0.4] and math.isclose(score, math.log(0.64))


def test_beam_search_without_doubt_reads_what_greedy_reads():
    probabilities = spelled("hello world")  # a repeated letter needs its blank between: "ll" stays "ll"
    assert greedy_decode(probabilities)[0] == "hello world"
    assert beam_search(probabilities, SearchSettings(lm_weight=0))[0] == "hello world"


def test_the_language_model_settles_a_doubtful_letter(lm_file):
    probabilities = spelled("the cat", doubt={5: {"q": 0.55, "a": 0.45}})
    assert greedy_decode(probabilities)[0] == "the cqt"
    lm = load_lm(lm_file)
    assert beam_search(probabilities, SearchSettings(lm_weight=0), lm)[0] == "the cqt"
    assert beam_search(probabilities, SearchSettings(lm_weight=0.5), lm)[0] == "the cat"


def test_the_users_words_settle_a_doubtful_letter_and_only_as_whole_words():
    probabilities = spelled("marla", doubt={3: {"l": 0.6, "i": 0.4}})
    words = UserWords.from_words(["maria"])
    plain = SearchSettings(lm_weight=0)
    assert beam_search(probabilities, plain)[0] == "marla"
    assert beam_search(probabilities, SearchSettings(lm_weight=0, word_bonus=1.0), words=words)[0] == "maria"
    # "mari" is the beginning of a listed word but not one: no pull towards ending inside a word
    cut = spelled("marl", doubt={3: {"l": 0.6, "i": 0.4}})
    assert beam_search(cut, SearchSettings(lm_weight=0, word_bonus=1.0), words=words)[0] == "marl"


def test_the_lexicon_rewards_whole_words_only_and_never_a_split():
    lexicon = UserWords.from_words(["jacket", "jack", "kettle"], whole_only=True)
    assert lexicon.beginnings == frozenset()
    lexical = SearchSettings(lm_weight=0, lexicon_bonus=0.5)
    doubtful = spelled("jackat", doubt={4: {"a": 0.6, "e": 0.4}})
    assert beam_search(doubtful, SearchSettings(lm_weight=0))[0] == "jackat"
    assert beam_search(doubtful, lexical, lexicon=lexicon)[0] == "jacket"
    # while a word is being read it earns nothing: "jacke" (no word) is not pulled towards "jacket"
    assert beam_search(spelled("jacke", doubt={4: {"e": 0.6, "a": 0.4}}), lexical, lexicon=lexicon)[0] == "jacke"
    # a piece ended by a break earns as a whole word: "jackat kettle" -> "jacket kettle"
    two = spelled("jackat kettle", doubt={4: {"a": 0.6, "e": 0.4}})
    assert beam_search(two, lexical, lexicon=lexicon)[0] == "jacket kettle"


def test_bundled_lexicon_is_english_words_of_four_letters_or_more():
    lexicon = read_lexicon()
    assert read_lexicon(BUNDLED_LEXICON) == lexicon and lexicon.beginnings == frozenset()
    assert 40_000 <= len(lexicon.words) <= 60_000
    assert min(map(len, lexicon.words)) == 4 and all(w.isalpha() and w.isascii() for w in lexicon.words)
    assert {"house", "river", "street", "window"} <= lexicon.words and "gen" not in lexicon.words
    assert Decoder(DecodingOptions(decoder="beam")).lexicon == lexicon
    assert Decoder(DecodingOptions(decoder="beam", lexicon=NO_LEXICON)).lexicon is None


def test_a_bad_lexicon_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "lexicon.txt"
    bad.write_text("house\nstraße\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2: characters outside"):
        Decoder(DecodingOptions(decoder="beam", lexicon=str(bad)))
    with pytest.raises(DataError, match="words file not found"):
        Decoder(DecodingOptions(decoder="beam", lexicon=str(tmp_path / "nowhere.txt")))


def test_options_refuse_what_does_not_go_together():
    with pytest.raises(ValueError, match="decoder 'beam'"):
        DecodingOptions(decoder="greedy", words="names.txt")
    with pytest.raises(ValueError, match="decoder 'sample'"):
        DecodingOptions(decoder="sample")
    with pytest.raises(ValueError, match="beam width 0"):
        DecodingOptions(decoder="beam", beam_width=0)


def test_beam_search_is_deterministic_and_keeps_its_width(lm_file):
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet(np.full(NUM_CHARACTERS + 1, 0.05), size=40)
    decoder = Decoder(DecodingOptions(decoder="beam", beam_width=4, lm=str(lm_file)))
    first = decoder.decode(probabilities)
    assert decoder.decode(probabilities) == first
    assert len(first[1]) == len(first[0]) and all(0 < c <= 1 for c in first[1])
    no_lm = Decoder(DecodingOptions(decoder="beam", lm=NO_LM))
    assert no_lm.lm is None and isinstance(no_lm.decode(probabilities)[0], str)


@pytest.fixture(scope="module")
def new_phrases(tmp_path_factory):
    """6 sequences by 2 synthetic signers: something for the bundled model to read."""
    from fingerspell.synth.corpus import synthesize
    root = tmp_path_factory.mktemp("decoders_data")
    synthesize(root, sequences=6, signers=2, seed=11, progress=False)
    return root


def test_bundled_model_gives_its_steps_and_reads_them_greedy_or_beam(new_phrases):
    import fingerspell
    from fingerspell.inference import read_sequences
    model = fingerspell.load_model()
    for _, frames in read_sequences(new_phrases, model.columns):
        probabilities = model.step_probabilities(frames)
        assert probabilities.shape[1] == NUM_CHARACTERS + 1 and np.allclose(probabilities.sum(axis=1), 1, atol=1e-3)
        greedy = model.read(frames, decoder="greedy")  # the exported `outputs`
        assert greedy_decode(probabilities)[0] == greedy.text
        beam = model.read(frames, decoder="beam")
        assert len(beam.confidence) == len(beam.text) and beam.frames == greedy.frames
        assert model.read(frames, DecodingOptions(decoder="beam", beam_width=1, lm=NO_LM, length_bonus=0)).text
    beam_model = fingerspell.load_model(decoder=DecodingOptions(decoder="beam", lm_weight=2.0))
    _, frames = next(iter(read_sequences(new_phrases, model.columns)))
    assert beam_model.predict(frames) == model.predict(frames, DecodingOptions(decoder="beam", lm_weight=2.0))


def test_predict_and_evaluate_take_the_decoder_options(new_phrases, tmp_path, capsys):
    from fingerspell.inference import BUNDLED_MODEL
    words = tmp_path / "words.txt"
    words.write_text("maria\noak\n", encoding="utf-8")
    source = sorted((new_phrases / "train_landmarks").glob("*.parquet"))[0]
    import fingerspell
    from fingerspell.inference import read_sequences
    model = fingerspell.load_model()
    assert main(["predict", str(source), "--json"]) == 0  # the beam search with the language model by default
    beam = [model.read(frames, "beam").text for _, frames in read_sequences(source, model.columns)]
    assert [json.loads(line)["text"] for line in capsys.readouterr().out.splitlines()] == beam
    assert main(["predict", str(source), "--json", "--words", str(words), "--beam-width", "4"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 6 and all(len(line["confidence"]) == len(line["text"]) for line in lines)
    for decoder in ("greedy", "beam"):
        assert main(["evaluate", str(BUNDLED_MODEL), "--data", str(new_phrases), "--split", "all", "--json",
                     "--decoder", decoder]) == 0
        result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert result["sequences"] == 6 and 0 < result["score"] <= 1
    assert main(["predict", str(source), "--decoder", "greedy", "--words", str(words)]) == 2
    assert "decoder 'beam'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_model_without_steps_reads_greedy_by_default_and_refuses_the_beam(tiny_store, tiny_dataset,
                                                                           tmp_path_factory, capsys):
    from conftest import export_tiny
    from fingerspell.inference import load_model
    export = export_tiny("seq2seq", tiny_store, tmp_path_factory)[2]
    assert not load_model(export).reads_steps and load_model().reads_steps
    source = str(next((tiny_dataset / "train_landmarks").glob("*.parquet")))
    capsys.readouterr()  # what exporting the model printed, when this test is the first to need it
    assert main(["predict", source, "--model", str(export), "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 60
    assert main(["predict", source, "--model", str(export), "--decoder", "beam"]) == 2
    assert "use --decoder greedy" in capsys.readouterr().err
