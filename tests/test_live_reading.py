"""The live page reads as `fingerspell predict` does: the beam search on the export's per-step probabilities,
with the bundled language model and lexicon served beside the page and the user's words from ?words=."""
import numpy as np
import pytest

from fingerspell.decoders.lm import BUNDLED_LM
from fingerspell.decoders.options import DecodingOptions
from fingerspell.decoders.words import BUNDLED_LEXICON

pytestmark = pytest.mark.browser


def page_frames(columns, phrase_frames: np.ndarray) -> np.ndarray:
    """(frames, len(columns)) -> the page's own frames: (frames, 543 * 3), NaN where the model reads nothing."""
    from fingerspell.layout import NUM_LANDMARKS, indices_for_columns
    landmarks = np.full((len(phrase_frames), NUM_LANDMARKS, 3), np.nan, np.float32)
    landmarks[:, indices_for_columns(columns)] = phrase_frames.reshape(len(landmarks), 3, -1).transpose(0, 2, 1)
    return landmarks


@pytest.mark.parametrize("query", ["?words=Maria,creekhouse", "?decoder=greedy"])
def test_live_page_reads_with_the_beam_search_and_the_users_words_as_python(query, tmp_path):
    from support.browser import LivePage, chromium_path
    from test_serve import web_root
    from fingerspell.export.onnx import check_sequences
    from fingerspell.inference import BUNDLED_MODEL, LiteModel
    if chromium_path() is None:
        pytest.skip("no chromium: apt-get install chromium")
    web_root()
    lite = LiteModel(BUNDLED_MODEL)
    rng = np.random.default_rng(5)
    from fingerspell.inference import to_columns
    from fingerspell.synth.render import make_signer, render_sequence
    phrases = [check_sequences(lite.columns)[1],
               to_columns(render_sequence("maria creekhouse", make_signer(rng, 2), rng), lite.columns)]
    words = tmp_path / "words.txt"
    words.write_text("Maria\ncreekhouse\n", encoding="utf-8")
    live = LivePage(None, None, query=query)
    try:
        live.wait("s.model && ((s.reading.lm && s.reading.lexicon) || s.reading.decoder === 'greedy')",
                  timeout_s=300)
        reads = [live.page.evaluate("frames => window.fingerspell.read(frames)",
                                    page_frames(lite.columns, p).reshape(len(p), -1).tolist()) for p in phrases]
        state = live.state("({decoder: s.reading.decoder, words: s.reading.words && [...s.reading.words.words],"
                           " message: document.querySelector('#message').textContent})")
        if query.startswith("?words"):  # a words file chosen on the page: a bad one is named with its line
            bad = tmp_path / "names.txt"
            bad.write_text("oak\nJosé\n", encoding="utf-8")
            live.page.set_input_files("#words", str(bad))
            live.wait("document.querySelector('#message').textContent.includes('names.txt: line 2: characters')")
            assert sorted(live.state("[...s.reading.words.words]")) == ["creekhouse", "maria"]  # unchanged
            good = tmp_path / "good.txt"
            good.write_text("Oak\nLopez\n", encoding="utf-8")
            live.page.set_input_files("#words", str(good))
            live.wait("s.reading.words.words.has('lopez') && !s.reading.wordsProblem")
    finally:
        live.close()
    beam = DecodingOptions(decoder="beam", words=str(words))
    for frames, read in zip(phrases, reads):
        assert read["greedyText"] == lite.predict(frames)  # the exported `outputs`, as a scorer reads them
        if query.startswith("?words"):
            assert read["decoder"] == "beam" and read["text"] == lite.read(frames, beam).text
            assert sorted(state["words"]) == ["creekhouse", "maria"]
        else:
            assert read["decoder"] == "greedy" and read["text"] == read["greedyText"]
    assert "Language model" not in state["message"] and "Words" not in state["message"]


def test_served_language_model_and_lexicon_are_the_bundled_ones():
    import urllib.request
    import threading
    from test_serve import web_root
    from fingerspell.live.serve import make_server
    server = make_server(None, web_root(), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = f"http://127.0.0.1:{server.server_address[1]}/lm/"
        assert urllib.request.urlopen(root + "chars.fslm").read() == BUNDLED_LM.read_bytes()
        assert urllib.request.urlopen(root + "words.txt").read() == BUNDLED_LEXICON.read_bytes()
    finally:
        server.shutdown()
        server.server_close()
