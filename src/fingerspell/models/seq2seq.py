"""The baseline: the seed notebook's Transformer encoder-decoder, as it was meant to work.

Kept from the notebook: three stride-2 Conv1D (kernel 11, relu) over the landmarks, 2 encoder layers,
1 decoder layer, width 200, 4 heads, feed-forward 400, relu, label smoothing 0.1, 128 frames, 62 classes.
Fixed: the encoder gets position embeddings; encoder self-attention and decoder cross-attention are
padding-masked; attention heads split the width (key_dim 50, not 200); the decoder's cross-attention
has its residual; greedy decoding caches past keys and values and stops at the end token.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from fingerspell.vocab import EOS_TOKEN, PAD_TOKEN, SEQ2SEQ_CLASSES, SOS_TOKEN
from fingerspell.models.configs import Seq2SeqConfig
from fingerspell.models.layers import Attention, FeedForward, TransformerBlock, downsample_mask, padding_mask


class StridedConv(layers.Layer):
    """Conv1D, stride 2, relu, on explicitly and symmetrically padded input: output i sees frames
    2i - k//2 .. 2i + k//2 whatever the length (TF's "same" shifts by a frame with the length's parity, so
    batch padding would change the output). Raw tf.nn.conv1d: Keras's strided conv is an XLA function
    the TFLite converter cannot lower."""

    def __init__(self, filters: int, kernel: int, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size = filters, kernel

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(self.kernel_size, input_shape[-1], self.filters),
                                      initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def call(self, x):
        half = self.kernel_size // 2
        x = tf.pad(x, [[0, 0], [half, half], [0, 0]])
        return tf.nn.relu(tf.nn.conv1d(x, tf.cast(self.kernel, x.dtype), 2, "VALID") + tf.cast(self.bias, x.dtype))


class DecoderLayer(layers.Layer):
    def __init__(self, config: Seq2SeqConfig, **kwargs):
        super().__init__(**kwargs)
        self.norms = [layers.LayerNormalization(epsilon=1e-6) for _ in range(3)]
        self.self_attention = Attention(config.dim, config.heads, config.dropout)
        self.cross_attention = Attention(config.dim, config.heads, config.dropout)
        self.feed_forward = FeedForward(config.dim, config.hidden, config.dropout, activation="relu")
        self.dropout = layers.Dropout(config.dropout)

    def call(self, x, memory, self_mask, cross_mask, training=False):
        h = self.norms[0](x)
        x = x + self.dropout(self.self_attention(h, h, attention_mask=self_mask, training=training), training=training)
        x = x + self.dropout(self.cross_attention(self.norms[1](x), memory, attention_mask=cross_mask, training=training), training=training)
        return x + self.feed_forward(self.norms[2](x), training=training)

    def step(self, x, cache_k, cache_v, position, cross_kv, cross_mask):
        """One cached decoding step: x (B, 1, D); caches (B, heads, max_target, head_dim)."""
        h = self.norms[0](x)
        k, v = self.self_attention.keys_values(h)
        # a one-hot of the position, written as a comparison: converters (tf2onnx, for the browser) take
        # no OneHot of a scalar
        where = tf.reshape(tf.cast(tf.range(tf.shape(cache_k)[2]) == position, cache_k.dtype), [1, 1, -1, 1])
        cache_k, cache_v = cache_k * (1 - where) + k * where, cache_v * (1 - where) + v * where
        seen = tf.range(tf.shape(cache_k)[2]) <= position
        self_mask = tf.tile(tf.reshape(seen, [1, 1, -1]), [tf.shape(x)[0], 1, 1])
        x = x + self.self_attention.attend(h, cache_k, cache_v, self_mask)
        x = x + self.cross_attention.attend(self.norms[1](x), *cross_kv, cross_mask)
        return x + self.feed_forward(self.norms[2](x)), cache_k, cache_v


class Seq2SeqModel(keras.Model):
    def __init__(self, config: Seq2SeqConfig, max_frames: int = 128, **kwargs):
        """`max_frames`: the longest input (the run's one setting); three stride-2 convs leave 1/8 of it."""
        super().__init__(**kwargs)
        self.config = config
        self.convs = [StridedConv(config.dim, config.conv_kernel) for _ in range(3)]
        self.source_positions = layers.Embedding(max_frames // 8 + 1, config.dim)
        self.encoder = [TransformerBlock(config.dim, config.heads, config.hidden, config.dropout, "relu")
                        for _ in range(config.encoder_layers)]
        self.token_embedding = layers.Embedding(SEQ2SEQ_CLASSES, config.dim)
        self.target_positions = layers.Embedding(config.max_target, config.dim)
        self.decoder = [DecoderLayer(config) for _ in range(config.decoder_layers)]
        self.final_norm = layers.LayerNormalization(epsilon=1e-6)
        self.classifier = layers.Dense(SEQ2SEQ_CLASSES, dtype="float32")

    def encode(self, features, mask, training=False):
        """features (B, T, F) -> memory (B, ceil(T/8), D) and its mask."""
        x = features * tf.expand_dims(tf.cast(mask, features.dtype), 2)
        for conv in self.convs:
            x = conv(x)
            mask = downsample_mask(mask, 2)
            x = x * tf.expand_dims(tf.cast(mask, x.dtype), 2)
        x = x + tf.expand_dims(self.source_positions(tf.range(tf.shape(x)[1])), 0)
        for block in self.encoder:
            x = block(x, mask, training=training)
        return x, mask

    def decode(self, tokens, memory, memory_mask, training=False):
        """Teacher-forced logits (B, L, 62) for input tokens (B, L)."""
        length = tf.shape(tokens)[1]
        x = self.token_embedding(tokens) + tf.expand_dims(self.target_positions(tf.range(length)), 0)
        causal = tf.linalg.band_part(tf.ones([length, length], tf.bool), -1, 0)
        self_mask = tf.logical_and(tf.expand_dims(causal, 0), tf.expand_dims(tokens != PAD_TOKEN, 1))
        cross_mask = padding_mask(tf.ones_like(tokens, tf.bool), memory_mask)
        for layer in self.decoder:
            x = layer(x, memory, self_mask=self_mask, cross_mask=cross_mask, training=training)
        return self.classifier(self.final_norm(x))

    def call(self, features, frame_mask, tokens, training=False):
        memory, memory_mask = self.encode(features, frame_mask, training)
        return self.decode(tokens, memory, memory_mask, training)

    def greedy(self, features, mask, max_steps: int | None = None):
        """Cached greedy decoding -> int32 (B, max_steps) characters, -1 after the end token."""
        max_steps = max_steps or self.config.max_target - 1
        memory, memory_mask = self.encode(features, mask)
        batch = tf.shape(memory)[0]
        cross = [layer.cross_attention.keys_values(memory) for layer in self.decoder]
        cross_mask = tf.expand_dims(memory_mask, 1)
        heads, head_dim = self.config.heads, self.config.dim // self.config.heads
        empty = tf.zeros([batch, heads, self.config.max_target, head_dim], memory.dtype)
        caches = [(empty, empty) for _ in self.decoder]
        token = tf.fill([batch], SOS_TOKEN)
        done = tf.zeros([batch], tf.bool)
        out = tf.fill([batch, max_steps], -1)

        def body(i, token, done, out, caches):
            x = self.token_embedding(tf.expand_dims(token, 1)) + tf.reshape(self.target_positions(i), [1, 1, -1])
            new_caches = []
            for layer, (k, v), kv in zip(self.decoder, caches, cross):
                x, k, v = layer.step(x, k, v, i, kv, cross_mask)
                new_caches.append((k, v))
            logits = tf.squeeze(self.classifier(self.final_norm(x)), 1)
            token = tf.argmax(logits, axis=-1, output_type=tf.int32)
            done = done | (token == EOS_TOKEN)
            emit = tf.where(done | (token >= PAD_TOKEN), -1, token)
            at_i = tf.cast(tf.range(max_steps) == i, tf.int32)  # one-hot of step i (see DecoderLayer.step)
            out = out + tf.expand_dims(at_i, 0) * tf.expand_dims(emit + 1, 1)
            return i + 1, token, done, out, new_caches

        def keep_going(i, token, done, out, caches):
            return tf.logical_and(i < max_steps, tf.logical_not(tf.reduce_all(done)))
        _, _, _, out, _ = tf.while_loop(keep_going, body, [tf.constant(0), token, done, out, caches])
        return out
