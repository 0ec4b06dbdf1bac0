"""A compiled batch predictor for scoring a checkpoint: features -> tokens, decoded greedily as the model's
kind decodes (the beam search over per-step probabilities is fingerspell.decoders)."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from fingerspell.models import get_kind
from fingerspell.vocab import decode


def decode_rows(tokens: np.ndarray) -> list[str]:
    """int rows padded with -1 (or any token >= 59) -> strings."""
    return [decode([t for t in row if t >= 0]) for row in np.asarray(tokens)]


def make_predictor(model, kind: str):
    """A compiled function batch -> int32 tokens (B, T), -1 padded, decoded as the model's kind decodes."""
    model_kind = get_kind(kind)

    @tf.function(reduce_retracing=True)
    def predict(features, mask):
        return model_kind.decode_batch(model, features, mask)
    return predict
