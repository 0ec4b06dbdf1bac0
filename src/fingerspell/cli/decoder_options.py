"""The decoding options `predict` and `evaluate` share: --decoder, --beam-width, --lm-weight, --lm, --lexicon,
--words.

`predict` reads with the beam search and the language model by default: bench/decoding.py measured it better
than greedy on the bundled model, on real signers' letters (+0.03) and on new synthetic phrases of every
kind. `evaluate` scores greedy unless asked (the exported `outputs`, as a competition scorer reads them).
"""
from __future__ import annotations

import argparse

from fingerspell.decoders.options import DECODERS, DecodingOptions


def add_decoder_arguments(parser: argparse.ArgumentParser, default_decoder: str) -> None:
    defaults = DecodingOptions()
    group = parser.add_argument_group("decoding")
    group.add_argument("--decoder", choices=DECODERS, default=argparse.SUPPRESS,
                       help=f"(default: {default_decoder}; beam with --words) greedy: the most likely character at each step (the exported `outputs`); beam: a "
                            "CTC prefix beam search with the character language model")
    group.add_argument("--beam-width", type=int, default=defaults.beam_width, help="hypotheses kept per step")
    group.add_argument("--lm-weight", type=float, default=defaults.lm_weight,
                       help="weight of the language model's log probability (0: none)")
    group.add_argument("--length-bonus", type=float, default=defaults.length_bonus,
                       help="score added per character read (balances the language model's cost of each)")
    group.add_argument("--word-bonus", type=float, default=defaults.word_bonus,
                       help="score added per character of a --words word")
    group.add_argument("--lm", metavar="FILE", help="a language model file from tools/make_lm.py (default: the "
                       "bundled one; 'none': no language model)")
    group.add_argument("--lexicon-bonus", type=float, default=defaults.lexicon_bonus,
                       help="score added per character of a whole word of the lexicon")
    group.add_argument("--lexicon", metavar="FILE", help="whole words the search favours, one per line (default: "
                       "the bundled 46,000 English words; 'none': no lexicon)")
    group.add_argument("--words", metavar="FILE",
                       help="your own words and names, one per line: the beam search favours them")


def decoding_options(args, default_decoder: str) -> DecodingOptions:
    """The parsed arguments -> DecodingOptions; --words without --decoder asks for the beam search.
    ValueError for values that do not go together (--decoder greedy --words FILE)."""
    decoder = getattr(args, "decoder", None) or ("beam" if args.words is not None else default_decoder)
    return DecodingOptions(decoder=decoder, beam_width=args.beam_width, lm_weight=args.lm_weight,
                           length_bonus=args.length_bonus, word_bonus=args.word_bonus,
                           lexicon_bonus=args.lexicon_bonus, lm=args.lm, lexicon=args.lexicon, words=args.words)
