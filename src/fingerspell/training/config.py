"""A run's settings in two parts. The `Recipe` is what the model is and how it learns: architecture,
features, data, augmentation and optimisation; every checkpoint holds it, export, evaluation and inference
rebuild the model from it, and a resumed run keeps it (asking to change it is refused). The `Runtime` is how
this machine runs the recipe: compilation, input workers, precision, devices, how long and how often it
validates; a checkpoint records the one it last ran with for information only, and a resume may change it.

`RunConfig` holds one of each and is what training reads (`config.max_frames`, `config.jit`: a field of
either part reads through, their names being distinct). `preset(model, name)` is the one place that puts
them together: each field's default below, then the model kind's preset values (`ModelKind.preset`).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields, is_dataclass

from fingerspell.training.augment import AugmentConfig
from fingerspell.models import DEFAULT_KIND, PRESETS, get_kind
from fingerspell.models.configs import CTCConfig, Seq2SeqConfig


class _Part:
    """What Recipe and Runtime share: a dict form, a copy with changes and `key=value` settings."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict):
        """Built from a dict; keys that are not this part's are ignored (a checkpoint of fingerspell before
        the split holds recipe and runtime in one dict)."""
        return _build(cls, data)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def with_settings(self, settings: list[str]):
        data = self.to_dict()
        for setting in settings:
            _apply(data, *_parse(setting, data))
        return type(self).from_dict(data)


@dataclass(frozen=True)
class Recipe(_Part):
    model: str = DEFAULT_KIND  # a kind of fingerspell.models.KINDS
    preset: str = "cpu"  # the preset it started from (its runtime defaults are that preset's)
    ctc: CTCConfig = field(default_factory=CTCConfig)
    seq2seq: Seq2SeqConfig = field(default_factory=Seq2SeqConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    max_frames: int = 256  # longer sequences are resampled to this many frames
    lips: bool = False
    palm_frame: bool = False  # add the hand turned to its own palm direction (features.palm_frame_features)
    # per replica. The recipe's, not the runtime's: it sets each step's gradient noise, the learning rate
    # (scaled with the global batch) and the order of an epoch's batches, which the position saved in a
    # checkpoint counts in; a run resumed with another batch size would not be the same run
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    grad_clip: float = 1.0
    label_smoothing: float = 0.1  # seq2seq only
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
    seed: int = 0  # initial weights, data order and augmentation


@dataclass(frozen=True)
class Runtime(_Part):
    # How long and how often: the runtime's, as nanoGPT takes its iteration counts from the command line and
    # only the model's shape from a checkpoint. The steps done, their optimizer state and data stream stay
    # valid whatever comes next, so a resume may extend a run (--epochs; the learning rate's cosine then
    # aims at the new end) or validate more often
    epochs: int = 60
    eval_every: int = 0  # steps between validations; 0 = once per epoch
    # float16 compute: "auto" = on a GPU only, "on", "off". What a run resolved to stays on resume (the
    # optimizer state holds a loss scale or not); asking a resume for the other is refused
    mixed_precision: str = "auto"
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
    strategy: str = "auto"  # auto: MirroredStrategy over several GPUs; mirrored (GPUs, else logical CPUs); default
    logical_cpus: int = 0  # split the CPU into this many devices (to test mirroring); 0 = leave it whole
    # deterministic ops: a rerun or resume repeats bit for bit (some ops get slower, more so on a GPU)
    deterministic: bool = False


RECIPE_KEYS = tuple(f.name for f in fields(Recipe))
RUNTIME_KEYS = tuple(f.name for f in fields(Runtime))
assert not set(RECIPE_KEYS) & set(RUNTIME_KEYS), "a setting belongs to the recipe or the runtime, not both"


@dataclass(frozen=True)
class RunConfig:
    """A recipe and the runtime that runs it: what training, its batches and compiled steps read."""
    recipe: Recipe = field(default_factory=Recipe)
    runtime: Runtime = field(default_factory=Runtime)

    def __getattr__(self, name):
        # (called only for names that are not RunConfig's own: the fields of its two parts)
        part = "recipe" if name in RECIPE_KEYS else "runtime" if name in RUNTIME_KEYS else None
        if part is None:
            raise AttributeError(f"{type(self).__name__} has no setting {name!r}")
        return getattr(object.__getattribute__(self, part), name)

    def to_dict(self) -> dict:
        """The recipe's fields, and the runtime's under "runtime" (the run directory's config.json)."""
        return {**self.recipe.to_dict(), "runtime": self.runtime.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        """From `to_dict`'s form, or a dict of both parts' fields side by side (checkpoints before the split)."""
        runtime = {**{k: v for k, v in data.items() if k in RUNTIME_KEYS}, **data.get("runtime", {})}
        return cls(Recipe.from_dict(data), Runtime.from_dict(runtime))

    def replace(self, **changes) -> "RunConfig":
        """A copy with fields of either part changed (`recipe=` or `runtime=` replace a whole part)."""
        parts = {"recipe": {}, "runtime": {}}
        for key, value in changes.items():
            if key in parts:
                continue
            if key not in RECIPE_KEYS and key not in RUNTIME_KEYS:
                raise TypeError(f"unknown setting {key!r}; choose from {sorted(RECIPE_KEYS + RUNTIME_KEYS)}")
            parts["recipe" if key in RECIPE_KEYS else "runtime"][key] = value
        recipe = changes.get("recipe", self.recipe).replace(**parts["recipe"])
        return RunConfig(recipe, changes.get("runtime", self.runtime).replace(**parts["runtime"]))

    def with_settings(self, settings: list[str]) -> "RunConfig":
        """Apply `key=value` settings of either part, dotted for nested parts (`ctc.dim=64`,
        `augment.enabled=false`, `input_workers=2`); values are JSON (numbers, true/false, lists) or plain
        strings, of the setting's type."""
        data = {"recipe": self.recipe.to_dict(), "runtime": self.runtime.to_dict()}
        for setting in settings:
            key, path, value = _parse(setting, {**data["recipe"], **data["runtime"]})
            _apply(data["recipe" if path[0] in RECIPE_KEYS else "runtime"], key, path, value)
        return RunConfig(Recipe.from_dict(data["recipe"]), Runtime.from_dict(data["runtime"]))


def _parse(setting: str, data: dict) -> tuple[str, list[str], object]:
    """(key, its dotted path, the value) of a `key=value` setting, checked against `data`'s keys."""
    key, equals, text = setting.partition("=")
    if not equals:
        raise ValueError(f"setting {setting!r} is not key=value")
    path = key.split(".")
    target = data
    for part in path[:-1]:
        target = target.get(part) if isinstance(target.get(part), dict) else None
        if target is None:
            raise ValueError(f"unknown setting {key!r}")
    if path[-1] not in target:
        raise ValueError(f"unknown setting {key!r}; choose from {sorted(target)}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    return key, path, value


def _apply(data: dict, key: str, path: list[str], value) -> None:
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _checked(key, target[path[-1]], value)


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


def flat(data: dict, prefix: str = "") -> dict:
    """A nested settings dict as dotted keys (`{"ctc": {"dim": 64}}` -> `{"ctc.dim": 64}`), lists as tuples."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = tuple(value) if isinstance(value, list) else value
    return out


def preset(model: str = DEFAULT_KIND, name: str = "cpu") -> RunConfig:
    """The named preset of a model kind: its recipe and runtime. `cpu`: learns the synthetic default in
    minutes on 2 cores. `full`: the real-data recipe (CTC: about 6 M parameters, AdamW, warm-up + cosine
    decay, 400 epochs), run with compiled features computed in the step and input workers."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {PRESETS}")
    values = get_kind(model).preset(name)
    for part, keys in (("recipe", RECIPE_KEYS), ("runtime", RUNTIME_KEYS)):
        misplaced = sorted(set(values.get(part, {})) - set(keys))
        if misplaced:
            raise ValueError(f"model kind {model!r}, preset {name!r}: {misplaced} are not {part} settings")
    return RunConfig(Recipe(model=model, preset=name, **values.get("recipe", {})),
                     Runtime(**values.get("runtime", {})))


def runtime_of(recipe: Recipe) -> Runtime:
    """The runtime a recipe's preset gives (defaults where the preset is not one of PRESETS)."""
    return preset(recipe.model, recipe.preset).runtime if recipe.preset in PRESETS else Runtime()
