"""Turning a CTC model's per-step probabilities into text, without TensorFlow.

A package of its own, beside inference.py, because three readers share it: `fingerspell predict` and
`load_model().read` (through inference.py), `fingerspell evaluate`, and the live page (web/decoder.js, which
follows these modules line for line and is tested equal to them).

    lm.py        the character n-gram language model: its file format (versioned, checked) and its queries
    lm_build.py  counting and Kneser-Ney smoothing, to write that file (tools/make_lm.py feeds it real text)
    words.py     the user's own words (`--words FILE`): read, checked, and scored as a bonus in the search
    beam.py      the CTC prefix beam search that fuses the model, the language model and the words
    options.py   DecodingOptions (greedy or beam, width, weights) and `decode`, the one entry point
"""
