"""One home for a run: the model a config describes, its loss, and a run rebuilt from its checkpoint.

Training, evaluation, export and inference all use these, so none of them imports another for them.
"""
from __future__ import annotations

from fingerspell.training import checkpoint
from fingerspell.training.config import RunConfig


def build_model(config: RunConfig, num_features: int):
    """The configured model, built on a dummy batch so its variables exist."""
    import tensorflow as tf
    from fingerspell.models.ctc import CTCModel
    from fingerspell.models.seq2seq import Seq2SeqModel
    features, mask = tf.zeros([1, 16, num_features]), tf.ones([1, 16], tf.bool)
    if config.model == "ctc":
        model = CTCModel(config.ctc)
        model(features, mask)
    else:
        model = Seq2SeqModel(config.seq2seq, max_frames=config.max_frames)
        model(features, mask, tf.zeros([1, 2], tf.int32))
    return model


def per_example_loss(model, config: RunConfig, batch, training: bool):
    """Loss per sequence (CTC: per character; seq2seq: smoothed cross-entropy per token)."""
    import tensorflow as tf
    from fingerspell.models.ctc import ctc_loss
    from fingerspell.vocab import PAD_TOKEN, SEQ2SEQ_CLASSES
    if config.model == "ctc":
        logits, out_mask = model(batch["features"], batch["mask"], training=training)
        # XLA compiles no C++ CTC kernel: a jit run takes the op-by-op (dense) path
        loss = ctc_loss(logits, out_mask, batch["labels"], batch["label_lengths"],
                        kernel="dense" if config.jit and training else "auto")
        return loss / tf.cast(tf.maximum(batch["label_lengths"], 1), tf.float32)
    tokens = batch["labels"]
    logits = model(batch["features"], batch["mask"], tokens[:, :-1], training=training)
    targets = tokens[:, 1:]
    smooth = config.label_smoothing
    onehot = tf.one_hot(targets, SEQ2SEQ_CLASSES) * (1 - smooth) + smooth / SEQ2SEQ_CLASSES
    token_loss = tf.nn.softmax_cross_entropy_with_logits(onehot, tf.cast(logits, tf.float32))
    valid = tf.cast(targets != PAD_TOKEN, tf.float32)
    return tf.reduce_sum(token_loss * valid, axis=1) / tf.maximum(tf.reduce_sum(valid, axis=1), 1.0)


def load_run(run_dir, which: str = "best"):
    """(config, model, meta) rebuilt from a run directory's checkpoint."""
    meta, weights, _, _ = checkpoint.load(run_dir, which)
    config = RunConfig.from_dict(meta["config"])
    model = build_model(config, meta["num_features"])
    set_checkpoint_weights(model, weights, checkpoint.directory(run_dir, which))
    return config, model, meta


def set_checkpoint_weights(model, weights, path) -> None:
    """`model.set_weights` with an error naming the checkpoint when its weights do not fit the model."""
    try:
        model.set_weights(weights)
    except ValueError as error:
        raise ValueError(f"{path}: its weights do not fit the model its own config builds ({error})") from error
