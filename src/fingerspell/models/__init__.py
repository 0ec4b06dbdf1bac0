"""The model kinds, found by name in one registry: `ctc` (conv-transformer encoder + CTC head, the default)
and `seq2seq` (the seed notebook's Transformer encoder-decoder, fixed: the baseline). A new kind is one
ModelKind subclass (models/kinds.py) and one line here."""
from __future__ import annotations

from fingerspell.models.kinds import CTC, PRESETS, ModelKind, Seq2Seq

KINDS: dict[str, ModelKind] = {kind.name: kind for kind in (CTC(), Seq2Seq())}
DEFAULT_KIND = "ctc"

__all__ = ["DEFAULT_KIND", "KINDS", "PRESETS", "ModelKind", "get_kind"]


def get_kind(name: str) -> ModelKind:
    if name not in KINDS:
        raise ValueError(f"unknown model kind {name!r}; choose from {sorted(KINDS)}")
    return KINDS[name]
