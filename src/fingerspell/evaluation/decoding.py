"""Greedy decoding of a batch to text, for both model kinds."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from fingerspell.models.ctc import ctc_greedy
from fingerspell.vocab import decode


def decode_rows(tokens: np.ndarray) -> list[str]:
    """int rows padded with -1 (or any token >= 59) -> strings."""
    return [decode([t for t in row if t >= 0]) for row in np.asarray(tokens)]


def make_predictor(model, kind: str):
    """A compiled function batch -> int32 tokens (B, T), -1 padded."""
    if kind == "ctc":
        @tf.function(reduce_retracing=True)
        def predict(features, mask):
            logits, out_mask = model(features, mask, training=False)
            return ctc_greedy(logits, out_mask)
    else:
        @tf.function(reduce_retracing=True)
        def predict(features, mask):
            return model.greedy(features, mask)
    return predict
