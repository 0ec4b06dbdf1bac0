"""The page's beam search (web/decoder.js) in Chromium reads what Python's reads from the same probabilities."""
import base64
import json

import numpy as np
import pytest

from fingerspell.decoders.beam import SearchSettings, beam_search
from fingerspell.decoders.lm import BUNDLED_LM, load_lm
from fingerspell.decoders.options import DecodingOptions, greedy_decode
from fingerspell.decoders.words import BUNDLED_LEXICON, UserWords, read_lexicon
from fingerspell.live.serve import PAGE
from fingerspell.vocab import NUM_CHARACTERS

pytestmark = pytest.mark.browser
PHRASES = ("3 creekhouse", "maria lopez", "www.oakhill.com", "+1-512-555-0189", "145 north river road")
WORDS = ["maria", "lopez", "oakhill", "creekhouse"]


@pytest.fixture(scope="module")
def page():
    from support.browser import QUIET_CHROMIUM, chromium_path
    if chromium_path() is None:
        pytest.skip("no chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=QUIET_CHROMIUM)
    page = browser.new_page()
    page.add_script_tag(content=(PAGE / "decoder.js").read_text(encoding="utf-8"))
    page.evaluate("""(data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        window.lm = fingerspellDecoder.parseLM(bytes.buffer, 'chars.fslm');
    }""", base64.b64encode(BUNDLED_LM.read_bytes()).decode())
    page.evaluate("(text) => { window.lexicon = fingerspellDecoder.parseWords(text, 'words.txt', true); }",
                  BUNDLED_LEXICON.read_text(encoding="utf-8"))
    yield page
    browser.close()
    playwright.stop()


@pytest.fixture(scope="module")
def probabilities():
    """The bundled model's per-step probabilities on rendered phrases, and seeded doubtful ones."""
    import fingerspell
    from fingerspell.synth.render import make_signer, render_sequence
    model = fingerspell.load_model()
    rng = np.random.default_rng(23)
    rows = [model.step_probabilities(render_sequence(p, make_signer(rng, i), rng)) for i, p in enumerate(PHRASES)]
    rows += [rng.dirichlet(np.full(NUM_CHARACTERS + 1, 0.03), size=30).astype(np.float32) for _ in range(3)]
    return rows


def js_search(page, probabilities, settings: dict, words: list[str] | None, lexicon: bool) -> dict:
    return page.evaluate("""([rows, steps, settings, words, lexicon]) => {
        const listed = words ? fingerspellDecoder.parseWords(words.join('\\n')) : null;
        return fingerspellDecoder.beamSearch(new Float32Array(rows), steps, settings, window.lm, listed,
                                             lexicon ? window.lexicon : null);
    }""", [probabilities.astype(np.float32).ravel().tolist(), len(probabilities), settings, words, lexicon])


@pytest.mark.parametrize("settings", [DecodingOptions(decoder="beam"), DecodingOptions(decoder="beam", beam_width=3,
                                      lm_weight=0.8, length_bonus=0.5, word_bonus=2.0, lexicon_bonus=2.0)])
def test_page_beam_search_reads_what_python_reads(page, probabilities, settings):
    lm, lexicon = load_lm(), read_lexicon()
    search = settings.settings()
    js_settings = {"beamWidth": search.beam_width, "lmWeight": search.lm_weight,
                   "lengthBonus": search.length_bonus, "wordBonus": search.word_bonus,
                   "lexiconBonus": search.lexicon_bonus}
    for words, with_lexicon in ((None, False), (WORDS, False), (None, True), (WORDS, True)):
        listed = UserWords.from_words(words) if words else None
        for rows in probabilities:
            text, confidence, score = beam_search(rows, search, lm, listed, lexicon if with_lexicon else None)
            got = js_search(page, rows, js_settings, words, with_lexicon)
            assert got["text"] == text and got["score"] == pytest.approx(score, abs=1e-9)
            assert got["confidence"] == pytest.approx(confidence, abs=1e-7)


def test_page_defaults_and_greedy_are_pythons(page, probabilities):
    defaults = DecodingOptions()
    assert page.evaluate("fingerspellDecoder.DEFAULTS") == {
        "beamWidth": defaults.beam_width, "lmWeight": defaults.lm_weight, "lengthBonus": defaults.length_bonus,
        "wordBonus": defaults.word_bonus, "minProbability": SearchSettings().min_probability,
        "lexiconBonus": defaults.lexicon_bonus}
    assert page.evaluate("window.lexicon.beginnings.size") == 0  # whole words only, as read_lexicon
    assert sorted(page.evaluate("[...window.lexicon.words]")) == sorted(read_lexicon().words)
    for rows in probabilities:
        assert page.evaluate("([r, n]) => fingerspellDecoder.greedy(new Float32Array(r), n)",
                             [rows.ravel().tolist(), len(rows)]) == greedy_decode(rows)[0]


def test_page_language_model_queries_are_pythons(page):
    lm = load_lm()
    for context in ([60], [60, 40, 47, 40], [60] + [45] * 9):
        got = page.evaluate("(c) => Array.from(fingerspellDecoder.lmLogProbs(window.lm, c))", context)
        assert got == lm.log_probs(tuple(context)).tolist()


@pytest.mark.parametrize("damage, message", [
    ("bytes.slice(0, bytes.length - 10)", "truncated"),
    ("(() => { const b = bytes.slice(); b[8] = 2; return b; })()", "version 2"),
    ("(() => { const b = bytes.slice(); b[b.length - 30] ^= 1; return b; })()", "checksum"),
])
def test_page_refuses_a_damaged_language_model_naming_it(page, damage, message):
    error = page.evaluate(f"""(data) => {{
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        try {{ fingerspellDecoder.parseLM(({damage}).buffer, '/lm/chars.fslm'); return null; }}
        catch (error) {{ return error.message; }}
    }}""", base64.b64encode(BUNDLED_LM.read_bytes()).decode())
    assert error is not None and error.startswith("/lm/chars.fslm: ") and message in error


def test_page_refuses_a_words_list_naming_the_line(page):
    error = page.evaluate("""() => {
        try { fingerspellDecoder.parseWords('maria\\nJosé', 'names.txt'); return null; }
        catch (error) { return error.message; }
    }""")
    assert error == 'names.txt: line 2: characters outside the 59-character vocabulary: ["é"]'
    assert json.loads(json.dumps(page.evaluate("[...fingerspellDecoder.parseWords('Mary-Jane').words]"))) == [
        "mary", "jane"]

