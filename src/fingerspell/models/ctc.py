"""The default model: a conv-transformer encoder (depthwise Conv1D blocks interleaved with Transformer
blocks) with a CTC head over the 59 characters + blank, decoded greedily."""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from fingerspell.vocab import BLANK_TOKEN, CTC_CLASSES
from fingerspell.models.configs import CTCConfig
from fingerspell.models.layers import ConvBlock, TransformerBlock, masked_pool

assert BLANK_TOKEN == CTC_CLASSES - 1, "the C++ CTC kernel takes the last class as the blank"


class CTCModel(keras.Model):
    def __init__(self, config: CTCConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.stem = layers.Dense(config.dim, use_bias=False)
        self.stem_norm = layers.LayerNormalization(epsilon=1e-6)
        self.blocks = []
        for g in range(config.groups):
            self.blocks += [ConvBlock(config.dim, config.kernel, config.dropout, config.conv_expand) for _ in range(config.convs_per_group)]
            self.blocks.append(TransformerBlock(config.dim, config.heads, config.ff_mult * config.dim, config.dropout))
        self.final_norm = layers.LayerNormalization(epsilon=1e-6)
        self.head = layers.Dense(CTC_CLASSES, dtype="float32")

    def call(self, features, frame_mask, training=False):
        """features (B, T, F), frame_mask bool (B, T) -> logits float32 (B, ceil(T / stride), 60) and their mask."""
        x = self.stem_norm(self.stem(features))
        if self.config.time_stride > 1:  # downsample first: every block then runs at the output rate
            x, frame_mask = masked_pool(x, frame_mask, self.config.time_stride)
        for block in self.blocks:
            x = block(x, frame_mask, training=training)
        return self.head(self.final_norm(x)), frame_mask


def ctc_loss(logits, logit_mask, labels, label_lengths, kernel: str = "auto"):
    """Per-example CTC loss. An example with fewer steps than its phrase needs gets 0 (TF would return
    a huge finite number or inf), so a phrase the model cannot emit never derails training.

    kernel: "sparse" runs TensorFlow's C++ CTC kernel on sparse labels (CPU only; faster training steps
    than the dense path: bench/train_step.py), "dense" the op-by-op implementation that also runs on a
    GPU; "auto" picks sparse unless a GPU is visible."""
    logit_lengths = tf.reduce_sum(tf.cast(logit_mask, tf.int32), axis=1)
    logits = tf.cast(logits, tf.float32)
    valid = tf.sequence_mask(label_lengths, tf.shape(labels)[1])
    if kernel == "auto":
        kernel = "dense" if tf.config.list_logical_devices("GPU") else "sparse"
    if kernel == "sparse":  # the blank is the last class, as the C++ kernel requires
        sparse = tf.SparseTensor(tf.where(valid), tf.boolean_mask(labels, valid),
                                 tf.cast(tf.shape(labels), tf.int64))
        loss = tf.compat.v1.nn.ctc_loss(sparse, logits, logit_lengths, time_major=False,
                                        ignore_longer_outputs_than_inputs=True)
    elif kernel == "dense":
        loss = tf.nn.ctc_loss(labels=labels, logits=logits, label_length=label_lengths,
                              logit_length=logit_lengths, logits_time_major=False, blank_index=BLANK_TOKEN)
    else:
        raise ValueError(f"kernel must be auto, sparse or dense, not {kernel!r}")
    repeats = tf.reduce_sum(tf.cast((labels[:, 1:] == labels[:, :-1]) & valid[:, 1:], tf.int32), axis=1)
    feasible = logit_lengths >= label_lengths + repeats
    return tf.where(feasible & tf.math.is_finite(loss), loss, tf.zeros_like(loss))


def ctc_greedy(logits, logit_mask):
    """Best path: argmax per step, collapse repeats, drop blanks. -> int32 (B, T) padded with -1."""
    best = tf.argmax(logits, axis=-1, output_type=tf.int32)
    previous = tf.pad(best[:, :-1], [[0, 0], [1, 0]], constant_values=-1)
    keep = (best != previous) & (best != BLANK_TOKEN) & logit_mask
    return tf.where(keep, best, -1)


def needed_steps(labels: list[int]) -> int:
    """CTC's minimum output length: one step per character plus a blank between repeated ones."""
    return len(labels) + sum(a == b for a, b in zip(labels[:-1], labels[1:]))
