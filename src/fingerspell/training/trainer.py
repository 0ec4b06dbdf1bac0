"""`fingerspell train`: seeded training with progress, validation, plots, atomic checkpoints and resume.

RUN_DIR/last/ and best/ (checkpoints, see checkpoint.py), metrics.csv (one row per validation), progress.png
(loss and score curves), config.json (the recipe, and the runtime under "runtime"). The learning rate warms
up, then follows a cosine to zero over whichever comes first, the epochs or the `--minutes` budget, so a
time-boxed run still anneals.

A resume keeps the run's recipe (config.py) and refuses a change to it, naming each key; it runs as the run
last ran, with the runtime values asked for applied and printed.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from fingerspell.training import checkpoint
from fingerspell.models import DEFAULT_KIND
from fingerspell.training.config import RUNTIME_KEYS, Recipe, RunConfig, Runtime, flat, preset, runtime_of
from fingerspell.evaluation.scoring import make_eval_step, score_batches
from fingerspell.training.run import build_model, per_example_loss, set_checkpoint_weights
from fingerspell.models.layers import count_parameters

LOG_EVERY = 10


def configure_tensorflow(seed: int, logical_cpus: int = 0, deterministic: bool = False):
    """Seed everything; optionally make ops deterministic (bit-for-bit reruns; some ops get slower, more so
    on a GPU) and split the CPU into logical devices."""
    import keras
    import tensorflow as tf
    if logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def choose_strategy(name: str = "auto"):
    """MirroredStrategy over several GPUs (or logical CPUs when asked), else the default strategy."""
    import tensorflow as tf
    if name not in ("auto", "mirrored", "default"):
        raise ValueError(f"strategy must be auto, mirrored or default, not {name!r}")
    gpus = tf.config.list_logical_devices("GPU")
    if name == "mirrored" or (name == "auto" and len(gpus) > 1):
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.get_strategy()


def lr_schedule(config: RunConfig, horizon, scale: float):
    """The learning rate: linear warm-up over `warmup_fraction` of the run, then cosine decay to zero at
    `horizon`, times `scale`. A Keras schedule of the optimizer's step count, computed inside the compiled
    step (no per-step assign from Python); the one definition, also read for the logs. `horizon` (a
    tf.Variable: the step at which the run will end) is re-estimated every LOG_EVERY steps when a
    wall-clock budget decides the end."""
    import keras
    import tensorflow as tf

    class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            progress = tf.clip_by_value(tf.cast(step, tf.float32) / tf.maximum(horizon, 1.0), 0.0, 1.0)
            warm = config.warmup_fraction
            rest = (progress - warm) / max(1e-9, 1 - warm)
            cosine = 0.5 * (1 + tf.cos(math.pi * rest))
            rate = tf.where(progress < warm, progress / max(warm, 1e-9), cosine)
            return config.learning_rate * scale * rate

        def get_config(self):
            return {}

    return WarmupCosine()


class Trainer:
    """Holds the model, optimizer, data and the compiled steps of one run."""

    def __init__(self, store_path, run_dir, config: RunConfig, precision: str | None = None):
        """`precision`: "mixed_float16" or "float32" whatever `mixed_precision` resolves to (a resume's: the
        precision its run resolved, which the optimizer state fits)."""
        import keras
        import tensorflow as tf
        from fingerspell.training.batches import Batches
        from fingerspell.store.store import Store
        self.run_dir, self.config = Path(run_dir), config
        self.store = Store(store_path)
        self.strategy = choose_strategy(config.strategy)
        self.replicas = self.strategy.num_replicas_in_sync
        train_ids, val_ids = self._splits(store_path)
        # batch_size is per replica: the global batch grows with the replicas, and the peak learning rate
        # with it (the linear scaling rule), so one recipe holds on 1 or 8 GPUs
        self.global_batch = config.batch_size * self.replicas
        self.peak_learning_rate = config.learning_rate * self.replicas
        self.train_data = Batches(self.store, train_ids, config, training=True, batch_size=self.global_batch)
        self.val_data = Batches(self.store, val_ids, config, training=False)
        self.layout = self.train_data.layout
        if config.mixed_precision not in ("auto", "on", "off"):
            raise ValueError(f"mixed_precision must be auto, on or off, not {config.mixed_precision!r}")
        self.mixed = config.mixed_precision == "on" or (
            config.mixed_precision == "auto" and bool(tf.config.list_physical_devices("GPU")))
        if precision is not None:
            self.mixed = precision == "mixed_float16"
        self.precision = "mixed_float16" if self.mixed else "float32"  # saved: a resumed run keeps it
        self.steps_per_epoch = max(1, math.ceil(len(train_ids) / self.global_batch))
        self.total_steps = self.steps_per_epoch * config.epochs
        with self.strategy.scope(), _policy(self.precision if self.mixed else None):
            self.model = build_model(config, self.layout.num_features)
            # the step at which the learning rate reaches zero: total_steps, or sooner under a time budget
            self.horizon = tf.Variable(float(self.total_steps), trainable=False, dtype=tf.float32)
            self.schedule = lr_schedule(config, self.horizon, scale=self.replicas)
            optimizer = keras.optimizers.AdamW(learning_rate=self.schedule, weight_decay=config.weight_decay,
                                               global_clipnorm=config.grad_clip, use_ema=config.ema_decay > 0,
                                               ema_momentum=config.ema_decay or 0.99)
            self._adamw = optimizer
            optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta", "embeddings"])
            self.optimizer = keras.optimizers.LossScaleOptimizer(optimizer) if self.mixed else optimizer
            self.optimizer.build(self.model.trainable_variables)
        self.compile_steps()

    def _splits(self, store_path) -> tuple[np.ndarray, np.ndarray]:
        """(train, val) sequence indices: the store's splits, with `val_signers` moving val signers into
        training (0: all of them, for a final model trained on everyone)."""
        train_ids, val_ids = self.store.split("train"), self.store.split("val")
        wanted = self.config.val_signers
        if wanted < -1:
            raise ValueError(f"val_signers={wanted}: give -1 (the store's val split) or a count >= 0")
        if wanted >= 0:
            signers = self.store.sequences.participant_id.to_numpy()
            keep = np.isin(signers[val_ids], np.unique(signers[val_ids])[:wanted])
            train_ids, val_ids = np.sort(np.concatenate([train_ids, val_ids[~keep]])), val_ids[keep]
        self.dropped_few_hand_frames = 0
        if self.config.min_hand_frames_per_char > 0 and len(train_ids):
            needed = self.store.sequences.phrase.str.len().to_numpy()[train_ids] * self.config.min_hand_frames_per_char
            keep = self.store.hand_frames()[train_ids] > needed
            self.dropped_few_hand_frames = int((~keep).sum())
            train_ids = train_ids[keep]
            print(f"left out {self.dropped_few_hand_frames} training sequences with no more than "
                  f"{self.config.min_hand_frames_per_char:g} hand frames per character", file=sys.stderr)
        if len(train_ids) == 0:
            raise ValueError(f"{store_path}: the train split is empty; nothing to learn from")
        if len(val_ids) == 0 and wanted != 0:
            raise ValueError(f"{store_path}: the val split is empty; prepare with more signers or a val fraction, "
                             "or train on everyone without validation (--set val_signers=0)")
        return train_ids, val_ids

    def compile_steps(self):
        import tensorflow as tf
        model, config, optimizer = self.model, self.config, self.optimizer

        def replica_train(batch):
            batch = self.train_data.model_inputs(batch)  # (with features_in_step: on this replica's device)
            with tf.GradientTape() as tape:
                losses = per_example_loss(model, config, batch, training=True)
                loss = tf.nn.compute_average_loss(losses)
                scaled = optimizer.scale_loss(loss) if self.mixed else loss
            gradients = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            return loss

        if config.jit:  # XLA: one compilation per length bucket (data.FRAME_BUCKET)
            replica_train = tf.function(replica_train, jit_compile=True)
        # one trace for every batch shape; a distributed batch is specified by its distributed dataset
        if self.replicas == 1:
            signature = [self.train_data.spec()]
        else:
            signature = [self.distribute(self.train_data.dataset(0)).element_spec]

        @tf.function(reduce_retracing=True, input_signature=signature)
        def train_step(batch):
            losses = self.strategy.run(replica_train, args=(batch,))
            return self.strategy.reduce("SUM", losses, axis=None)
        self.train_step = train_step
        self.eval_step = make_eval_step(model, config, self.val_data)

    def distribute(self, dataset):
        return self.strategy.experimental_distribute_dataset(dataset) if self.replicas > 1 else dataset

    # --- checkpoints ------------------------------------------------------------------------------
    def save(self, name: str, state: dict) -> None:
        # the recipe, which loading reads; the runtime this run ran with, a record (a resume starts from it)
        meta = {"config": self.config.recipe.to_dict(), "runtime": self.config.runtime.to_dict(), "state": state,
                "landmarks": self.store.header["landmarks"], "num_features": self.layout.num_features,
                "parameters": count_parameters(self.model), "precision": self.precision}
        checkpoint.save(self.run_dir, name, meta, self.model.weights, self.optimizer.variables,
                        self.seed_states())

    def restore(self, which: str = "last") -> dict:
        """Weights, optimizer variables and dropout state of a checkpoint put back: the same run goes on."""
        meta, weights, optimizer_state, rng_state = checkpoint.load(self.run_dir, which)
        path = checkpoint.directory(self.run_dir, which)
        set_checkpoint_weights(self.model, weights, path)
        for part, variables, values in (("optimizer state", self.optimizer.variables, optimizer_state),
                                         ("dropout state", self.seed_states(), rng_state)):
            if [tuple(v.shape) for v in variables] != [np.shape(v) for v in values]:
                raise ValueError(f"{path}: its {part} ({len(values)} arrays) does not fit this run's "
                                 f"({len(variables)}): a checkpoint of other settings or another fingerspell "
                                 "version; start a new run")
            for variable, value in zip(variables, values):
                variable.assign(value)
        return meta["state"]

    @contextlib.contextmanager
    def averaged_weights(self):
        """With `ema_decay` > 0, the model holds the weights' moving average inside the block (validation,
        the best checkpoint), and its training weights again after it."""
        if not self._adamw.use_ema:
            yield
            return
        variables = self.model.trainable_variables
        training = [v.numpy() for v in variables]
        for variable, average in zip(variables, self._adamw._model_variables_moving_average):
            variable.assign(average)
        try:
            yield
        finally:
            for variable, value in zip(variables, training):
                variable.assign(value)

    def seed_states(self) -> list:
        """The random-generator states of the model's dropout layers: model state that is not a weight."""
        weights = {id(w) for w in self.model.weights}
        return [v for v in self.model.variables if id(v) not in weights]

    # --- the loop ---------------------------------------------------------------------------------
    def fit(self, minutes: float | None = None, resume: bool = False, progress: bool = True) -> dict:
        from tqdm import tqdm

        from fingerspell.training.batches import next_position
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.json").write_text(json.dumps(self.config.to_dict(), indent=1), encoding="utf-8")
        state = {"step": 0, "epoch": 0, "examples_in_epoch": 0, "elapsed": 0.0, "best_score": None}
        if resume:
            state = self.restore("last")
        budget = minutes * 60 if minutes else None
        started, elapsed_before = time.monotonic(), state["elapsed"]
        running, last_eval, result = [], state["step"], None
        eval_every = self.config.eval_every or self.steps_per_epoch
        bar = tqdm(total=self.total_steps, initial=state["step"], desc="train", unit="step", disable=not progress)
        stop = False
        if budget:  # a resumed run aims at its end from the first step, not the next multiple of LOG_EVERY
            self._aim_horizon(state, budget)
        while state["epoch"] < self.config.epochs and not stop:
            dataset = self.train_data.dataset(state["epoch"], skip=state["examples_in_epoch"])
            for batch in self.distribute(dataset):
                state["elapsed"] = elapsed_before + time.monotonic() - started
                if budget and state["step"] % LOG_EVERY == 0:
                    self._aim_horizon(state, budget)
                running.append(self.train_step(batch))  # a tensor: read back only every LOG_EVERY steps
                state["step"] += 1
                bar.update()
                if state["step"] % LOG_EVERY == 0:
                    running = [float(v) for v in running]
                    bar.set_postfix(loss=f"{np.mean(running[-LOG_EVERY:]):.3f}", lr=f"{self.rate(state):.2e}")
                # positions of the epoch's order done: read back only when a checkpoint records them
                if budget and state["elapsed"] >= budget:
                    state["examples_in_epoch"] = next_position(batch)
                    stop = True
                    break
                if state["step"] - last_eval >= eval_every:
                    state["examples_in_epoch"] = next_position(batch)
                    result = self._checkpoint(state, running)
                    running, last_eval = [], state["step"]
            else:
                state["epoch"] += 1
                state["examples_in_epoch"] = 0
        bar.close()
        state["elapsed"] = elapsed_before + time.monotonic() - started
        if result is None or state["step"] > last_eval:
            result = self._checkpoint(state, running)
        else:  # validated at this very step already: just record the finished epoch
            self.save("last", state)
        result["skipped_too_long_for_ctc"] = len(self.train_data.skipped.too_long_for_ctc)
        result["dropped_few_hand_frames"] = self.dropped_few_hand_frames
        result["clipped_targets"] = len(self.train_data.skipped.clipped_targets)
        result["replicas"], result["parameters"] = self.replicas, count_parameters(self.model)
        result["global_batch"], result["peak_learning_rate"] = self.global_batch, self.peak_learning_rate
        return result

    def _aim_horizon(self, state: dict, budget: float) -> None:
        """The schedule runs on the step count; a time budget moves the end step it aims at to where this
        run's pace will reach it (never beyond the epochs' end)."""
        fraction = max(state["step"] / self.total_steps, state["elapsed"] / budget)
        self.horizon.assign(state["step"] / fraction if fraction > 0 else float(self.total_steps))

    def rate(self, state: dict) -> float:
        """The learning rate the optimizer uses at this step (read from the schedule: for the logs only)."""
        return float(self.schedule(state["step"]))

    def _checkpoint(self, state: dict, running: list[float]) -> dict:
        """Validate, log a row, show a few predictions, refresh the plot, save last (and best). Without a
        val split (val_signers=0) every checkpoint is the best so far."""
        from fingerspell.evaluation.visualize import plot_progress
        validating = len(self.val_data.indices) > 0
        with self.averaged_weights():
            result, rows = score_batches(self.eval_step, self.val_data) if validating else ({}, [])
        row = {"step": state["step"], "epoch": state["epoch"], "elapsed_s": round(state["elapsed"], 1),
               "train_loss": round(float(np.mean([float(v) for v in running])), 5) if running else "",
               **{f"val_{k}": round(result[k], 5) if validating else "" for k in ("loss", "score", "cer")},
               "lr": f"{self.rate(state):.3e}"}
        _append_csv(self.run_dir / "metrics.csv", row)
        # the best checkpoint is chosen on train.csv phrases where supplemental sentences are mixed in
        chosen = result.get("by_source", {}).get("train", result).get("score")
        if validating:
            print(f"\nstep {row['step']} epoch {row['epoch']}: val score {row['val_score']:.4f} "
                  f"cer {row['val_cer']:.4f} loss {row['val_loss']:.4f}")
            for source, part in result.get("by_source", {}).items():
                print(f"  {source}: val score {part['score']:.4f} over {part['sequences']} sequences")
        else:
            print(f"\nstep {row['step']} epoch {row['epoch']}: no validation (val_signers=0), train loss "
                  f"{row['train_loss']}")
        for _, target, prediction in rows[:: max(1, len(rows) // 4)][:4]:
            print(f"  target {target!r:34} prediction {prediction!r}")
        plot_progress(self.run_dir / "metrics.csv", self.run_dir / "progress.png")
        best = state["best_score"]
        if not validating or best is None or chosen > best:
            state["best_score"] = chosen
            with self.averaged_weights():  # what was validated is what export and evaluate get
                self.save("best", state)
        self.save("last", state)  # the raw weights (and their average, in the optimizer state) to resume
        return {**row, "best_score": state["best_score"]}


@contextlib.contextmanager
def _policy(name: str | None):
    """Keras's global dtype policy set to `name` while the model is built (its layers keep it), then put
    back, so a mixed-precision run does not change later models built in the same process."""
    import keras
    previous = keras.mixed_precision.global_policy()
    if name:
        keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _append_csv(path: Path, row: dict) -> None:
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as handle:
        if new:
            handle.write(",".join(row) + "\n")
        handle.write(",".join(str(v) for v in row.values()) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def train(store, run_dir, model: str | None = None, preset_name: str | None = None, epochs: int | None = None,
          minutes: float | None = None, resume: bool = False, seed: int | None = None, strategy: str | None = None,
          logical_cpus: int | None = None, progress: bool = True, settings: list[str] | None = None,
          deterministic: bool | None = None, **overrides) -> dict:
    """Train (or resume) a run; returns the final validation row.

    A new run: the `preset_name` preset (default cpu) of `model` (default ctc), then `overrides` (fields of
    either part: batch_size=8, eval_every=3) and `settings` (`key=value`, config.RunConfig.with_settings).
    `seed`, `epochs`, `strategy`, `logical_cpus` and `deterministic` set those fields; None (or epochs 0)
    asks nothing. `deterministic` is asked by the FINGERSPELL_DETERMINISTIC=1 environment variable too
    (the tests set it).

    A resume: the checkpoint's recipe, which a value asked for may repeat but not change (ValueError naming
    each key changed, with the checkpoint's value and the one asked); the runtime the run last ran with,
    changed by those asked for (each printed)."""
    if deterministic is None and os.environ.get("FINGERSPELL_DETERMINISTIC") == "1":
        deterministic = True
    asked = {key: value for key, value in (("model", model), ("preset", preset_name), ("seed", seed),
                                           ("epochs", epochs or None), ("strategy", strategy),
                                           ("logical_cpus", logical_cpus), ("deterministic", deterministic))
             if value is not None}
    asked.update(overrides)
    run_dir = Path(run_dir)
    precision = None
    if resume:
        config, precision = resumed_config(run_dir, asked, settings or [])
    else:
        if checkpoint.exists(run_dir, "last"):
            raise FileExistsError(f"{run_dir} already holds a run; pass --resume to continue it")
        config = preset(model or DEFAULT_KIND, preset_name or "cpu")
        asked = {k: v for k, v in asked.items() if k not in ("model", "preset")}  # (chose the preset)
        config = config.replace(**asked).with_settings(settings or [])
    configure_tensorflow(config.seed, config.logical_cpus, config.deterministic)
    trainer = Trainer(store, run_dir, config, precision)
    return trainer.fit(minutes=minutes, resume=resume, progress=progress)


def resumed_config(run_dir, asked: dict, settings: list[str], log=None) -> tuple[RunConfig, str]:
    """(config, precision) that resume `run_dir`. The config: its checkpoint's recipe and the runtime it last
    ran with (that of the recipe's preset where the checkpoint records none), with the `asked` fields and
    `settings` applied. A recipe value asked for that differs from the checkpoint's is refused (ValueError);
    a runtime value that changes is applied and told to `log` (default: stderr). The precision: the one the
    run resolved, which stays."""
    if not checkpoint.exists(run_dir, "last"):
        raise FileNotFoundError(f"{run_dir}: nothing to resume (no last/ checkpoint)")
    meta = checkpoint.read_meta(run_dir, "last")
    saved = checkpoint.recipe_of(meta)
    recipe = Recipe.from_dict(saved)
    # a checkpoint of fingerspell before the split holds its runtime in "config"
    recorded = {**{k: v for k, v in saved.items() if k in RUNTIME_KEYS}, **meta.get("runtime", {})}
    ran = RunConfig(recipe, Runtime.from_dict({**runtime_of(recipe).to_dict(), **recorded}))
    wanted = ran.replace(**asked).with_settings(settings)
    changed = _changes(ran.recipe, wanted.recipe)
    if changed:
        listed = ", ".join(f"{key} (checkpoint {before}, asked {after})" for key, (before, after) in changed.items())
        raise ValueError(f"{run_dir}: a resume keeps the run's recipe; asked to change {listed}. Resume without "
                         "those, or start a new run (another --run) with them")
    # the precision the run resolved, not "auto" again: a mixed-precision run resumed on a machine without a
    # GPU goes on in mixed precision, with its loss scale (part of the optimizer state)
    precision = meta.get("precision") or "float32"
    asked_precision = wanted.runtime.mixed_precision
    if asked_precision != ran.runtime.mixed_precision and asked_precision != "auto" and \
            (asked_precision == "on") != (precision == "mixed_float16"):
        raise ValueError(f"{run_dir}: the run computes in {precision}, which its "
                         f"optimizer state fits; a resume cannot change it (mixed_precision={asked_precision}); "
                         "start a new run")
    log = log or (lambda line: print(line, file=sys.stderr))
    for key, (before, after) in _changes(ran.runtime, wanted.runtime).items():
        log(f"resume: runtime {key} {before} -> {after}")
    return wanted, precision


def _changes(before, after) -> dict:
    """{dotted key: (before, after)} of the settings that differ between two recipes (or runtimes), each
    value written as a --set would take it."""
    old, new = flat(before.to_dict()), flat(after.to_dict())
    return {key: (json.dumps(old.get(key)), json.dumps(new[key])) for key in new if old.get(key) != new[key]}
