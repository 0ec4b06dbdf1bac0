"""Batches for training and evaluation: store -> (augmentation) -> features -> padded tf.data batches.

With `features_in_step` the batches carry landmarks and the compiled step computes the features
(`Batches.model_inputs`): on a GPU they then cost next to nothing and the input pipeline's CPU does only
the reading and augmentation.

Each epoch's order and augmentations come from (seed, epoch), so a resumed run replays the same stream.
CTC examples whose phrase needs more output steps than the (augmented) frames give are skipped and
counted, never fed to the loss.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from fingerspell.training.augment import augment, cutmix, draw_resample_factors
from fingerspell.training.config import RunConfig
from fingerspell.features import FeatureLayout, batch_features, frame_picks
from fingerspell.models import get_kind
from fingerspell.store.store import Store
from fingerspell.vocab import CHAR_TO_INDEX

BUCKET_BATCHES = 16  # sort this many batches' worth of sequences by length, so padding stays small


@dataclass
class SkipCounter:
    """(epoch, position) of every example left out or clipped; sets, so replays do not double-count."""
    too_long_for_ctc: set = field(default_factory=set)
    clipped_targets: set = field(default_factory=set)


def encode_labels(phrase: str, config: RunConfig) -> tuple[list[int], bool]:
    """Label ids for a phrase as the config's model kind wants them (returns clipped?)."""
    return get_kind(config.model).encode_labels([CHAR_TO_INDEX[c] for c in phrase], config)


class Batches:
    """tf.data batches of one split of a store."""

    def __init__(self, store: Store, indices, config: RunConfig, training: bool, batch_size: int | None = None):
        """`batch_size`: the global batch (default `config.batch_size`; training over several replicas
        passes `config.batch_size` times their number)."""
        self.store, self.config, self.training = store, config, training
        self.batch_size = batch_size or config.batch_size
        self.indices = np.asarray(indices, dtype=np.int64)
        self.layout = FeatureLayout.from_names(store.header["landmarks"], config.lips, config.palm_frame)
        self.frames = store.sequences.frames.to_numpy()
        self.phrases = store.sequences.phrase.tolist()
        self.signers = store.sequences.participant_id.to_numpy()
        self.skipped = SkipCounter()
        # cut-mix partners: each signer's sequences of this split, found once (not a scan per example)
        signers = self.signers[self.indices]
        self.signer_pools = {signer: self.indices[signers == signer] for signer in np.unique(signers)}
        self.kind = get_kind(config.model)
        self.stride = self.kind.time_stride(config)
        self.label_pad = self.kind.label_pad  # what pads a batch's labels
        self._compiled_features = None  # batch_features XLA-compiled (jit_features), made on first use
        self.batch_workers = None  # batch_workers.BatchWorkers, False for none, once the first dataset asks
        self._plan = None  # (epoch, order, resample factors) of the epoch last asked for

    def resample_factors(self, epoch: int) -> np.ndarray:
        """(len(store),) each sequence's time-resampling factor this epoch (augmentation's first step)."""
        rng = np.random.default_rng([self.config.seed, epoch, 2])
        return draw_resample_factors(rng, len(self.frames), self.config.augment)

    def order(self, epoch: int) -> np.ndarray:
        """Training: shuffled, then sorted inside buckets by the length that resampling will give, so a
        batch pads little; evaluation: by length."""
        if not self.training:
            return self.indices[np.argsort(self.frames[self.indices], kind="stable")]
        rng = np.random.default_rng([self.config.seed, epoch, 0])
        shuffled = rng.permutation(self.indices)
        length = np.minimum(self.frames * self.resample_factors(epoch), self.config.max_frames)
        size = self.batch_size * BUCKET_BATCHES
        buckets = [sorted(shuffled[i:i + size], key=lambda k: length[k]) for i in range(0, len(shuffled), size)]
        batches = [b[i:i + self.batch_size] for b in buckets for i in range(0, len(b), self.batch_size)]
        return np.concatenate([batches[i] for i in rng.permutation(len(batches))]) if batches else shuffled

    def epoch_plan(self, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """(order, resample factors) of an epoch, kept for the epoch last asked for: every batch of an epoch
        needs them, in whichever process makes it."""
        plan = self._plan
        if plan is None or plan[0] != epoch:
            plan = self._plan = (epoch, self.order(epoch), self.resample_factors(epoch))
        return plan[1], plan[2]

    def example(self, epoch: int, position: int, index: int, resample_factor: float | None = None):
        """(landmarks, labels, keep) of the example at `position` of the epoch's order; keep is False for a
        training phrase that the (augmented) frames are too short to emit under CTC (skipped and counted)."""
        config = self.config
        frames, phrase = self.store[index], self.phrases[index]
        if self.training:
            rng = np.random.default_rng([config.seed, epoch, 1, position])
            if config.augment.enabled and rng.random() < config.augment.cutmix_probability:
                partner = self._same_signer(index, rng)
                if partner is not None:
                    frames, phrase = cutmix((frames, phrase), (self.store[partner], self.phrases[partner]), rng)
            if resample_factor is None:
                resample_factor = float(self.resample_factors(epoch)[index])
            frames = augment(frames, self.layout, rng, config.augment, resample_factor)
        if len(frames) > config.max_frames:  # as the features would (so batches stay short)
            frames = frames[frame_picks(len(frames), config.max_frames)]
        labels, clipped = encode_labels(phrase, config)
        if clipped:
            self.skipped.clipped_targets.add((epoch, position))
        keep = True
        if not self.kind.emittable(labels, len(frames), config):
            self.skipped.too_long_for_ctc.add((epoch, position))
            keep = not self.training  # evaluation keeps it: the model is scored on every sequence
        return np.asarray(frames, np.float32), np.asarray(labels, np.int32), keep

    def examples(self, epoch: int):
        """Yield (landmarks, labels, index) in the epoch's order, the kept ones."""
        factors = self.resample_factors(epoch)
        for position, index in enumerate(self.order(epoch)):
            frames, labels, keep = self.example(epoch, position, int(index), float(factors[index]))
            if keep:
                yield frames, labels, np.int64(index)

    def landmark_batch(self, epoch: int, start: int, out=None):
        """The examples at positions start .. start + batch size of the epoch's order, the kept ones, padded:
        landmarks (B, T, P, 3) (NaN past each length: "not detected", which the features ignore), lengths,
        labels (B, L), label lengths, store indices and positions. Training's augmentation is per example,
        seeded by (seed, epoch, position), so a batch is the same whichever process or thread makes it.
        `out`: a flat float32 buffer to hold the landmarks (an input worker's shared slot)."""
        order, factors = self.epoch_plan(epoch)
        kept = []
        for position in range(start, min(start + self.batch_size, len(order))):
            index = int(order[position])
            frames, labels, keep = self.example(epoch, position, index, float(factors[index]))
            if keep:
                kept.append((frames, labels, index, position))
        lengths = np.array([len(k[0]) for k in kept], np.int32)
        label_lengths = np.array([len(k[1]) for k in kept], np.int32)
        points = len(self.store.header["landmarks"])
        frame_bucket, label_bucket = self.buckets()
        # z too, though the features use none: a copy of whole rows cost a fifth of one of x and y alone
        shape = (len(kept), _round_up(lengths.max(initial=0), frame_bucket), points, 3)
        landmarks = np.empty(shape, np.float32) if out is None else out[:int(np.prod(shape))].reshape(shape)
        labels = np.full((len(kept), _round_up(label_lengths.max(initial=0), label_bucket)), self.label_pad,
                         np.int32)
        for row, (frames, label, _, _) in enumerate(kept):
            landmarks[row, :len(frames)] = frames
            landmarks[row, len(frames):] = np.nan
            labels[row, :len(label)] = label
        return (landmarks, lengths, labels, label_lengths, np.array([k[2] for k in kept], np.int64),
                np.array([k[3] for k in kept], np.int64))

    def dataset(self, epoch: int = 0, skip: int = 0) -> tf.data.Dataset:
        """Padded batches: dict(features (B,T,F), mask (B,T), labels (B,L), label_lengths (B,), index (B,),
        position (B,)), or with `features_in_step` landmarks (B,T,P,3) and lengths (B,) in place of features
        and mask (`model_inputs` makes those); `skip`: positions of the epoch already trained on
        (`next_position` of the last batch).

        Batch starts in; each batch read, augmented and padded by one Python call (per example, tf.data's
        own machinery cost more than the augmentation); then the features of the whole batch at once.
        (Not `from_generator`: its op sets malloc's trim threshold to 128 kB for the whole process, which
        doubled our training step on CPU.)"""
        points = len(self.store.header["landmarks"])
        order, _ = self.epoch_plan(epoch)
        first = -(-skip // self.batch_size) * self.batch_size  # batches start at multiples of the batch size
        starts = np.arange(first, len(order), self.batch_size, dtype=np.int64)

        workers = self._workers()

        def make(at):
            if workers:
                return workers.get(epoch, starts, int(at))
            return self.landmark_batch(epoch, int(at))

        def read(start):
            batch = tf.numpy_function(make, [start],
                                      [tf.float32, tf.int32, tf.int32, tf.int32, tf.int64, tf.int64],
                                      # stateless: tf.data may run it on several threads at once; with
                                      # workers, one thread asks for the batches in order and they make them
                                      stateful=bool(workers))
            for value, shape in zip(batch, ([None, None, points, 3], [None], [None, None], [None], [None], [None])):
                value.set_shape(shape)
            return tuple(batch)
        data = tf.data.Dataset.from_tensor_slices(starts).map(read)
        data = data.filter(lambda frames, *rest: tf.shape(frames)[0] > 0)  # every example of it skipped
        if self.config.features_in_step:
            return data.map(_landmark_dict).prefetch(tf.data.AUTOTUNE)
        data = data.map(lambda frames, lengths, *rest: self._features(frames, lengths) + rest,
                        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return data.map(_as_dict).prefetch(tf.data.AUTOTUNE)

    def _workers(self):
        """Training's input worker processes (`input_workers`), started on first use; None: none."""
        if not self.training:
            return None
        if self.batch_workers is None:
            from fingerspell.training.batch_workers import BatchWorkers, resolve_workers
            count = resolve_workers(self.config.input_workers)
            self.batch_workers = BatchWorkers(self, count) if count else False
        return self.batch_workers or None

    def input_worker_pids(self) -> list[int]:
        """The input worker processes running now (none before the first dataset asks, or without workers)."""
        return [process.pid for process in self.batch_workers.processes] if self.batch_workers else []

    def close(self) -> None:
        """Stop the input workers, if any (they also end with the process)."""
        if self.batch_workers:
            self.batch_workers.close()
        self.batch_workers = None

    def buckets(self) -> tuple[int, int]:
        """What a batch's frames and characters are padded to multiples of: under XLA a few lengths, so that
        it compiles a few shapes, not one per batch."""
        config = self.config
        frames = FRAME_BUCKET if config.jit_features or (config.jit and self.training) else 1
        return frames, LABEL_BUCKET if config.jit and self.training else 1

    def largest_landmark_batch(self) -> tuple[int, int, int, int]:
        """The shape of the largest landmarks array `landmark_batch` returns."""
        frames = _round_up(self.config.max_frames, self.buckets()[0])
        return self.batch_size, frames, len(self.store.header["landmarks"]), 3

    def spec(self) -> dict:
        """The TensorSpecs of this data's batches (any batch size and length): compiled steps trace once."""
        common = {"labels": tf.TensorSpec([None, None], tf.int32), "label_lengths": tf.TensorSpec([None], tf.int32),
                  "index": tf.TensorSpec([None], tf.int64), "position": tf.TensorSpec([None], tf.int64)}
        if self.config.features_in_step:
            points = len(self.store.header["landmarks"])
            return {"landmarks": tf.TensorSpec([None, None, points, 3], tf.float32),
                    "lengths": tf.TensorSpec([None], tf.int32), **common}
        return {"features": tf.TensorSpec([None, None, self.layout.num_features], tf.float32),
                "mask": tf.TensorSpec([None, None], tf.bool), **common}

    def model_inputs(self, batch: dict) -> dict:
        """A batch with the model's inputs, features and mask: the pipeline's, or with `features_in_step`
        made here from its landmarks (called inside the compiled step, so on the step's device)."""
        if "features" in batch:
            return batch
        features, lengths = self._features(batch["landmarks"], batch["lengths"])
        rest = {k: v for k, v in batch.items() if k not in ("landmarks", "lengths")}
        return {**rest, "features": features, "mask": tf.sequence_mask(lengths, tf.shape(features)[1])}

    def _features(self, landmarks, lengths):
        if self.config.jit_features and self._compiled_features is None:
            self._compiled_features = tf.function(batch_features, jit_compile=True)
        features_of = self._compiled_features if self.config.jit_features else batch_features
        return features_of(landmarks, lengths, self.layout, self.config.max_frames)

    def _same_signer(self, index, rng):
        pool = self.signer_pools.get(self.signers[index], ())
        return int(rng.choice(pool)) if len(pool) > 1 else None


FRAME_BUCKET, LABEL_BUCKET = 32, 8  # the padded lengths of a jit run's batches are multiples of these


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _landmark_dict(landmarks, lengths, labels, label_lengths, index, position):
    return {"landmarks": landmarks, "lengths": lengths, "labels": labels, "label_lengths": label_lengths,
            "index": index, "position": position}


def _as_dict(features, lengths, labels, label_lengths, index, position):
    mask = tf.sequence_mask(lengths, tf.shape(features)[1])
    return {"features": features, "mask": mask, "labels": labels, "label_lengths": label_lengths, "index": index,
            "position": position}


def next_position(batch) -> int:
    """The position in the epoch's order after a batch (of one or, distributed, several replicas' parts)."""
    position = batch["position"]
    parts = position.values if hasattr(position, "values") else (position,)
    return max(int(tf.reduce_max(part)) for part in parts if part.shape[0]) + 1
