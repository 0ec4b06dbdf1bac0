"""Building blocks shared by both models, written with plain matmuls so they export to builtin TFLite
ops and so that attention can run on cached keys and values. (`tf.expand_dims`, not `x[:, None]`: the
converter cannot lower those strided slices to builtins.)"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

NEG_INF = -3e4  # large enough to silence a score, small enough for float16


class Attention(layers.Layer):
    """Multi-head attention. mask: bool `(B, Tq, Tk)`, True where the query may look."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.heads, self.head_dim = dim, heads, dim // heads
        self.query, self.key, self.value = (layers.Dense(dim, name=n) for n in ("query", "key", "value"))
        self.output_projection = layers.Dense(dim, name="output")
        self.dropout = layers.Dropout(dropout)

    def split_heads(self, x):
        """(B, T, D) -> (B, heads, T, head_dim)."""
        batch, length = tf.shape(x)[0], tf.shape(x)[1]
        return tf.transpose(tf.reshape(x, [batch, length, self.heads, self.head_dim]), [0, 2, 1, 3])

    def keys_values(self, source):
        return self.split_heads(self.key(source)), self.split_heads(self.value(source))

    def attend(self, query_input, keys, values, mask=None, training=False):
        """Attention of `query_input` (B, Tq, D) over projected `keys`/`values` (B, heads, Tk, head_dim)."""
        q = self.split_heads(self.query(query_input)) * (self.head_dim ** -0.5)
        scores = tf.matmul(q, keys, transpose_b=True)
        if mask is not None:
            scores = tf.where(tf.expand_dims(mask, 1), scores, tf.cast(NEG_INF, scores.dtype))
        weights = self.dropout(tf.nn.softmax(scores, axis=-1), training=training)
        out = tf.matmul(weights, values)
        batch, length = tf.shape(out)[0], tf.shape(out)[2]
        out = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [batch, length, self.dim])
        return self.output_projection(out)

    def call(self, query_input, source, attention_mask=None, training=False):
        keys, values = self.keys_values(source)
        return self.attend(query_input, keys, values, attention_mask, training)


def padding_mask(query_mask, key_mask):
    """bool (B, Tq, Tk) from per-position masks (B, Tq) and (B, Tk)."""
    return tf.logical_and(tf.expand_dims(query_mask, 2), tf.expand_dims(key_mask, 1))


class FeedForward(layers.Layer):
    def __init__(self, dim: int, hidden: int, dropout: float, activation="swish", **kwargs):
        super().__init__(**kwargs)
        self.up, self.down = layers.Dense(hidden, activation=activation), layers.Dense(dim)
        self.dropout = layers.Dropout(dropout)

    def call(self, x, training=False):
        return self.dropout(self.down(self.up(x)), training=training)


class TransformerBlock(layers.Layer):
    """Pre-norm self-attention + feed-forward, padding-masked."""

    def __init__(self, dim: int, heads: int, hidden: int, dropout: float, activation="swish", **kwargs):
        super().__init__(**kwargs)
        self.norm1, self.norm2 = layers.LayerNormalization(epsilon=1e-6), layers.LayerNormalization(epsilon=1e-6)
        self.attention = Attention(dim, heads, dropout)
        self.feed_forward = FeedForward(dim, hidden, dropout, activation)
        self.dropout = layers.Dropout(dropout)

    def call(self, x, frame_mask, training=False):
        h = self.norm1(x)
        attention_mask = padding_mask(frame_mask, frame_mask)
        x = x + self.dropout(self.attention(h, h, attention_mask=attention_mask, training=training), training=training)
        return x + self.feed_forward(self.norm2(x), training=training)


class ConvBlock(layers.Layer):
    """Depthwise-conv block of the strongest public solutions: norm, GLU expansion, depthwise Conv1D,
    norm, swish, projection, residual. Padded frames are zeroed so they never leak into real ones."""

    def __init__(self, dim: int, kernel: int, dropout: float, expand: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.norm = layers.LayerNormalization(epsilon=1e-6)
        self.expand = layers.Dense(2 * expand * dim)
        self.depthwise = layers.DepthwiseConv1D(kernel, padding="same", use_bias=False)
        self.conv_norm = layers.LayerNormalization(epsilon=1e-6)
        self.project = layers.Dense(dim)
        self.dropout = layers.Dropout(dropout)

    def call(self, x, frame_mask, training=False):
        keep = tf.expand_dims(tf.cast(frame_mask, x.dtype), 2)
        value, gate = tf.split(self.expand(self.norm(x)), 2, axis=-1)
        h = value * tf.sigmoid(gate) * keep
        h = tf.nn.swish(self.conv_norm(self.depthwise(h)))
        return x + self.dropout(self.project(h), training=training) * keep


def downsample_mask(mask, stride: int):
    """bool (B, ceil(T / stride)): an output step is real when any frame it covers is."""
    pooled = tf.nn.max_pool1d(tf.expand_dims(tf.cast(mask, tf.float32), 2), stride, stride, "SAME")
    return tf.cast(tf.squeeze(pooled, 2), tf.bool)


def masked_pool(x, mask, stride: int):
    """Mean of the real frames in each window of `stride`: the same with or without batch padding."""
    keep = tf.expand_dims(tf.cast(mask, x.dtype), 2)
    total = tf.nn.avg_pool1d(x * keep, stride, stride, "SAME")
    count = tf.nn.avg_pool1d(keep, stride, stride, "SAME")
    return tf.math.divide_no_nan(total, count), downsample_mask(mask, stride)


def count_parameters(model: keras.Model) -> int:
    return int(sum(int(tf.size(v)) for v in model.trainable_variables))
