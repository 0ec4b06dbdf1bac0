"""Each model kind's architecture settings: plain dataclasses, importable without TensorFlow."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CTCConfig:
    dim: int = 128
    groups: int = 3  # each group: `convs_per_group` ConvBlocks then one TransformerBlock
    convs_per_group: int = 2
    kernel: int = 11
    heads: int = 4
    ff_mult: int = 2
    conv_expand: int = 1  # GLU width of the conv blocks, in multiples of dim
    dropout: float = 0.1
    time_stride: int = 2  # frames per output step; CTC then needs steps >= characters + repeats


@dataclass(frozen=True)
class Seq2SeqConfig:
    dim: int = 200
    heads: int = 4
    hidden: int = 400
    encoder_layers: int = 2
    decoder_layers: int = 1
    conv_kernel: int = 11
    dropout: float = 0.1
    max_target: int = 64  # start + up to 62 characters + end
