"""Model kinds. Each kind is one class that owns what differs between kinds: its config, its network, its
loss, how a phrase becomes labels, how a batch is decoded, and what the exported model emits per character.
Nothing outside this package compares a kind's name; code asks `get_kind(config.model)` instead.

Importing this module needs no TensorFlow (the CLI and `predict` import it); the methods that build or run
networks import it when called.
"""
from __future__ import annotations

from fingerspell.models.configs import CTCConfig

PRESETS = ("cpu", "full")  # every kind's recipes: `cpu` learns in minutes on 2 cores, `full` is for real data


class ModelKind:
    """What every kind provides; `config` below is a training RunConfig."""
    name: str
    label_pad: int  # what pads a batch's labels
    reads_steps = False  # whether step_probabilities gives per-step probabilities (what a beam search reads)

    def preset(self, preset: str) -> dict:
        """This kind's `preset`: {"recipe": Recipe fields, "runtime": Runtime fields} (training/config.py;
        those not given keep their defaults there)."""
        raise NotImplementedError

    def time_stride(self, config) -> int:
        """Frames per output step."""
        return 1

    def encode_labels(self, phrase_ids: list[int], config) -> tuple[list[int], bool]:
        """Character ids -> label ids, and whether they were clipped."""
        raise NotImplementedError

    def emittable(self, labels: list[int], frames: int, config) -> bool:
        """Whether `frames` frames are enough to emit `labels` (a training example that is not is skipped)."""
        return True

    def build(self, config, num_features: int):
        """The network, built on a dummy batch so its variables exist."""
        raise NotImplementedError

    def per_example_loss(self, model, config, batch, training: bool):
        raise NotImplementedError

    def decode_batch(self, model, features, mask):
        """Greedy decoding: int32 (B, T) characters, -1 padded (inside tf.function)."""
        raise NotImplementedError

    def exported_rows(self, model, features, mask, has_frames):
        """The export's `outputs`: float32 (k, 59), one row per character read, its argmax the character."""
        raise NotImplementedError

    def step_tokens(self, model, features, mask, has_frames):
        """Per output step the character emitted there, -1 where none; empty where the kind has no steps."""
        import tensorflow as tf
        return tf.zeros([0], tf.int32)

    def step_probabilities(self, model, features, mask):
        """float32 (steps, 59 + blank): per output step the probabilities a CTC beam search reads."""
        raise NotImplementedError(f"a {self.name} model has no per-step probabilities")


class CTC(ModelKind):
    """The default: a conv-transformer encoder with a CTC head (models/ctc.py), decoded greedily."""
    name, label_pad = "ctc", 0
    reads_steps = True

    def preset(self, preset: str) -> dict:
        if preset == "cpu":
            return {"recipe": {}, "runtime": {}}
        from fingerspell.training.augment import AugmentConfig
        recipe = dict(ctc=CTCConfig(dim=384, groups=3, convs_per_group=2, kernel=17, heads=6, ff_mult=2,
                                    dropout=0.2, time_stride=2),
                      max_frames=384, batch_size=64, learning_rate=1e-3, weight_decay=0.05,
                      min_hand_frames_per_char=2.0, ema_decay=0.999,
                      # as the 1st and 2nd place solutions: face points in (the lips: prepare --lips) and
                      # rotations up to 30 degrees (README: the full preset next to the winners)
                      lips=True, augment=AugmentConfig(rotate_degrees=30.0))
        runtime = dict(epochs=400, jit_features=True, features_in_step=True, input_workers=-1)
        return {"recipe": recipe, "runtime": runtime}

    def time_stride(self, config) -> int:
        return config.ctc.time_stride

    def encode_labels(self, phrase_ids, config):
        return phrase_ids, False

    def emittable(self, labels, frames, config) -> bool:
        from fingerspell.models.ctc import needed_steps
        steps = -(-min(frames, config.max_frames) // self.time_stride(config))
        return steps >= needed_steps(labels)

    def build(self, config, num_features: int):
        import tensorflow as tf
        from fingerspell.models.ctc import CTCModel
        model = CTCModel(config.ctc)
        model(tf.zeros([1, 16, num_features]), tf.ones([1, 16], tf.bool))
        return model

    def per_example_loss(self, model, config, batch, training: bool):
        import tensorflow as tf
        from fingerspell.models.ctc import ctc_loss
        logits, out_mask = model(batch["features"], batch["mask"], training=training)
        # XLA compiles no C++ CTC kernel: a jit run takes the op-by-op (dense) path
        loss = ctc_loss(logits, out_mask, batch["labels"], batch["label_lengths"],
                        kernel="dense" if config.jit and training else "auto")
        return loss / tf.cast(tf.maximum(batch["label_lengths"], 1), tf.float32)

    def decode_batch(self, model, features, mask):
        from fingerspell.models.ctc import ctc_greedy
        logits, out_mask = model(features, mask, training=False)
        return ctc_greedy(logits, out_mask)

    def exported_rows(self, model, features, mask, has_frames):
        """The model's probabilities over the 59 characters at the step that emitted each character (the
        blank takes the rest of the mass), so a row's maximum is the model's confidence."""
        import tensorflow as tf
        from fingerspell.models.ctc import ctc_greedy
        from fingerspell.vocab import NUM_CHARACTERS
        logits, out_mask = model(features, mask, training=False)
        tokens = ctc_greedy(logits, out_mask)[0]
        steps = tf.boolean_mask(tf.range(tf.shape(tokens)[0]), (tokens >= 0) & has_frames)
        return tf.gather(tf.nn.softmax(logits[0])[:, :NUM_CHARACTERS], steps)

    def step_probabilities(self, model, features, mask):
        import tensorflow as tf
        logits, _ = model(features, mask, training=False)
        return tf.nn.softmax(logits[0])

    def step_tokens(self, model, features, mask, has_frames):
        import tensorflow as tf
        from fingerspell.models.ctc import ctc_greedy
        logits, out_mask = model(features, mask, training=False)
        return ctc_greedy(logits, out_mask)[0][: tf.where(has_frames, tf.shape(logits)[1], 0)]


class Seq2Seq(ModelKind):
    """The baseline: the seed notebook's Transformer encoder-decoder (models/seq2seq.py)."""
    name = "seq2seq"

    @property
    def label_pad(self) -> int:
        from fingerspell.vocab import PAD_TOKEN
        return PAD_TOKEN

    def preset(self, preset: str) -> dict:  # the notebook's model at the notebook's size in both presets
        recipe = dict(max_frames=128, batch_size=32 if preset == "cpu" else 64, learning_rate=1e-3,
                      weight_decay=0.01 if preset == "cpu" else 0.05)
        return {"recipe": recipe, "runtime": dict(epochs=60 if preset == "cpu" else 400)}

    def encode_labels(self, phrase_ids, config):
        """Start and end tokens around the phrase, clipped to `max_target`."""
        from fingerspell.vocab import EOS_TOKEN, SOS_TOKEN
        max_target = config.seq2seq.max_target
        clipped = len(phrase_ids) > max_target - 2
        return [SOS_TOKEN] + phrase_ids[: max_target - 2] + [EOS_TOKEN], clipped

    def build(self, config, num_features: int):
        import tensorflow as tf
        from fingerspell.models.seq2seq import Seq2SeqModel
        model = Seq2SeqModel(config.seq2seq, max_frames=config.max_frames)
        model(tf.zeros([1, 16, num_features]), tf.ones([1, 16], tf.bool), tf.zeros([1, 2], tf.int32))
        return model

    def per_example_loss(self, model, config, batch, training: bool):
        """Label-smoothed cross-entropy per token, averaged over each sequence's tokens."""
        import tensorflow as tf
        from fingerspell.vocab import PAD_TOKEN, SEQ2SEQ_CLASSES
        tokens = batch["labels"]
        logits = model(batch["features"], batch["mask"], tokens[:, :-1], training=training)
        targets = tokens[:, 1:]
        smooth = config.label_smoothing
        onehot = tf.one_hot(targets, SEQ2SEQ_CLASSES) * (1 - smooth) + smooth / SEQ2SEQ_CLASSES
        token_loss = tf.nn.softmax_cross_entropy_with_logits(onehot, tf.cast(logits, tf.float32))
        valid = tf.cast(targets != PAD_TOKEN, tf.float32)
        return tf.reduce_sum(token_loss * valid, axis=1) / tf.maximum(tf.reduce_sum(valid, axis=1), 1.0)

    def decode_batch(self, model, features, mask):
        return model.greedy(features, mask)

    def exported_rows(self, model, features, mask, has_frames):
        """One-hot rows: the decoder's greedy choices."""
        import tensorflow as tf
        from fingerspell.vocab import NUM_CHARACTERS
        tokens = model.greedy(features, mask)[0]
        return tf.one_hot(tf.boolean_mask(tokens, (tokens >= 0) & has_frames), NUM_CHARACTERS)
