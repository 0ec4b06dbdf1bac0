"""Run configuration: model, features, augmentation and optimisation, saved inside every checkpoint."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields, is_dataclass

from fingerspell.training.augment import AugmentConfig
from fingerspell.models import DEFAULT_KIND, PRESETS, get_kind
from fingerspell.models.kinds import CTCConfig, Seq2SeqConfig


@dataclass(frozen=True)
class RunConfig:
    model: str = DEFAULT_KIND  # a kind of fingerspell.models.KINDS
    preset: str = "cpu"
    ctc: CTCConfig = field(default_factory=CTCConfig)
    seq2seq: Seq2SeqConfig = field(default_factory=Seq2SeqConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    max_frames: int = 256  # longer sequences are resampled to this many frames
    lips: bool = False
    palm_frame: bool = False  # add the hand turned to its own palm direction (features.palm_frame_features)
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    grad_clip: float = 1.0
    label_smoothing: float = 0.1  # seq2seq only
    epochs: int = 60
    eval_every: int = 0  # steps between validations; 0 = once per epoch
    # -1: validate on the store's val split; n >= 0: on its first n val signers, the others join training
    # (0 = no validation, every signer trains: a final model; the last checkpoint is then the best)
    val_signers: int = -1
    # training keeps a sequence only if its hand frames exceed this many per phrase character (0 = keep all;
    # the seed notebook's rule for real data, 2, is the `full` preset's): a phrase signed while the hands are
    # mostly undetected teaches noise
    min_hand_frames_per_char: float = 0.0
    # weights' exponential moving average, used for validation, the best checkpoint and so export (0 = off;
    # the `full` preset's 0.999 averages about the last 1,000 steps, longer than a cpu-budget run)
    ema_decay: float = 0.0
    seed: int = 0
    mixed_precision: str = "auto"  # float16 compute: "auto" = on a GPU only, "on", "off"
    # XLA-compile the training step; batches are then padded to fixed length buckets (frames to a multiple
    # of 32, characters of 8) so XLA compiles a few shapes, not one per batch, and CTC takes its dense path
    jit: bool = False
    # XLA-compile the batch features, in the pipeline or the step (3x faster on a CPU; landmark batches are
    # then padded to multiples of 32 frames, one compilation of about a second per length; the `full`
    # preset's, whose runs are long enough to repay it)
    jit_features: bool = False
    # compute the features inside the compiled training and evaluation steps, on their device, not in the
    # input pipeline, whose batches then carry landmarks: on a GPU they cost next to nothing there and the
    # CPU is left to read and augment (the `full` preset's); on a CPU they cost the same either way
    features_in_step: bool = False
    # processes that read and augment training batches side by side (batch_workers.py): 0 = none, the training
    # process does it on one thread (about 2,000 sequences/s); -1 = one per core up to 8 (the `full` preset's)
    input_workers: int = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        return _build(cls, data)

    def replace(self, **changes) -> "RunConfig":
        return dataclasses.replace(self, **changes)

    def with_settings(self, settings: list[str]) -> "RunConfig":
        """Apply `key=value` settings, dotted for nested parts (`ctc.dim=64`, `augment.enabled=false`);
        values are JSON (numbers, true/false, lists) or plain strings."""
        data = self.to_dict()
        for setting in settings:
            key, _, text = setting.partition("=")
            if not _:
                raise ValueError(f"setting {setting!r} is not key=value")
            *parents, leaf = key.split(".")
            target = data
            for part in parents:
                target = target.get(part) if isinstance(target.get(part), dict) else None
                if target is None:
                    raise ValueError(f"unknown setting {key!r}")
            if leaf not in target:
                raise ValueError(f"unknown setting {key!r}; choose from {sorted(target)}")
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text
            target[leaf] = _checked(key, target[leaf], value)
        return RunConfig.from_dict(data)


def _checked(key: str, current, value):
    """`value` if it has the type of the setting's `current` value (an int may set a float), else an error."""
    def fail(expected):
        raise ValueError(f"setting {key}={value!r}: expected {expected}")
    if isinstance(current, dict):
        fail(f"one of its fields, e.g. {key}.{next(iter(current))}=...")
    if isinstance(current, bool):
        return value if isinstance(value, bool) else fail("true or false")
    if isinstance(current, int):
        return value if isinstance(value, int) and not isinstance(value, bool) else fail("an integer")
    if isinstance(current, float):
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else fail("a number")
    if isinstance(current, (list, tuple)):
        ok = isinstance(value, list) and len(value) == len(current)
        return value if ok else fail(f"a list of {len(current)} values, e.g. {list(current)}")
    return value if isinstance(value, str) else fail("a string")


def _build(kind, data):
    values = {}
    for f in fields(kind):
        if f.name not in data:
            continue
        value = data[f.name]
        sub = f.default_factory if f.default_factory is not dataclasses.MISSING else None
        if sub is not None and is_dataclass(sub):
            value = _build(sub, value)
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return kind(**values)


def preset(model: str = DEFAULT_KIND, name: str = "cpu") -> RunConfig:
    """The named recipe of a model kind. `cpu`: learns the synthetic default in minutes on 2 cores. `full`:
    the real-data recipe (CTC: about 6 M parameters, AdamW, warm-up + cosine decay, 400 epochs)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {PRESETS}")
    return RunConfig(model=model, preset=name, **get_kind(model).preset(name))
