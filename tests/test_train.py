"""Training, checkpoints, resume and evaluation on a tiny model (a few seconds per run on 2 cores)."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from fingerspell.store.splits import SplitRule
from fingerspell.training import checkpoint
from fingerspell.cli import main
from fingerspell.training.config import RUNTIME_KEYS, Recipe, preset
from fingerspell.training.batches import Batches
from fingerspell.store.store import Store, prepare
from fingerspell.training.run import build_model, per_example_loss
from fingerspell.training.trainer import Trainer, configure_tensorflow, train

pytestmark = pytest.mark.slow  # every test here trains a model

TINY = ["ctc.dim=32", "ctc.groups=1", "ctc.heads=2", "batch_size=16", "seq2seq.dim=32", "seq2seq.hidden=48",
        "seq2seq.heads=2"]


def _weights(run):
    return checkpoint.load(run, "last")[1]


def test_train_writes_metrics_plot_checkpoints_and_evaluates(tiny_store, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", str(tiny_store), "--run", str(run), "--epochs", "3", "--quiet", "--no-augment",
            "--learning-rate", "3e-3"] + [a for s in TINY for a in ("--set", s)]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["replicas"] == 1 and result["parameters"] > 1000 and result["global_batch"] == 16
    metrics = pd.read_csv(run / "metrics.csv")
    assert len(metrics) >= 3 and list(metrics.columns[:3]) == ["step", "epoch", "elapsed_s"]
    assert metrics.train_loss.iloc[-1] < metrics.train_loss.iloc[0]  # it learns something
    assert (run / "progress.png").stat().st_size > 1000 and checkpoint.exists(run, "best")
    meta = checkpoint.read_meta(run, "last")
    assert meta["config"]["ctc"]["dim"] == 32 and meta["state"]["step"] == metrics.step.iloc[-1]
    # the recipe only in "config"; the runtime it ran with beside it, a record
    asked = TINY + ["augment.enabled=false", "learning_rate=3e-3"]
    assert Recipe.from_dict(meta["config"]) == preset("ctc").recipe.with_settings(asked)
    assert not set(meta["config"]) & set(RUNTIME_KEYS) and meta["runtime"]["epochs"] == 3
    assert main(["evaluate", str(run), "--data", str(tiny_store), "--split", "test", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    sources = Store(tiny_store).sequences.source[Store(tiny_store).split("test")]
    assert set(scored) == {"score", "cer", "sequences", "characters"} | ({"by_source"} if sources.nunique() > 1 else set())
    assert scored["sequences"] == len(Store(tiny_store).split("test"))
    assert scored["score"] == pytest.approx(1 - scored["cer"])
    predictions = pd.read_csv(run / "predictions_test.csv", keep_default_na=False)
    assert len(predictions) == scored["sequences"] and "prediction" in predictions


RESUMED = TINY + ["ctc.dropout=0.3", "eval_every=3"]  # dropout's random state is saved and restored too


@pytest.fixture(scope="module")
def two_epochs(tiny_store, tmp_path_factory):
    """A run of RESUMED for 2 epochs: the reference of the determinism and resume tests."""
    run = tmp_path_factory.mktemp("two_epochs") / "run"
    train(tiny_store, run, epochs=2, progress=False, settings=RESUMED)
    return run


def test_same_seed_same_weights(tiny_store, two_epochs, tmp_path):
    train(tiny_store, tmp_path / "again", epochs=2, progress=False, settings=RESUMED)
    for x, y in zip(_weights(two_epochs), _weights(tmp_path / "again")):
        np.testing.assert_array_equal(x, y)


def test_resume_continues_at_the_same_step_with_the_same_state(tiny_store, two_epochs, tmp_path, monkeypatch):
    settings = RESUMED
    real_step, calls = Trainer.compile_steps, {"n": 0}

    def killed_at_step_five(self):
        real_step(self)
        step = self.train_step

        def dying(batch):
            calls["n"] += 1
            if calls["n"] == 5:
                raise KeyboardInterrupt("killed")
            return step(batch)
        self.train_step = dying
    monkeypatch.setattr(Trainer, "compile_steps", killed_at_step_five)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_store, tmp_path / "cut", epochs=2, progress=False, settings=settings)
    monkeypatch.setattr(Trainer, "compile_steps", real_step)
    assert checkpoint.read_meta(tmp_path / "cut", "last")["state"]["step"] == 3
    with pytest.raises(FileExistsError):
        train(tiny_store, tmp_path / "cut", epochs=2, progress=False, settings=settings)
    train(tiny_store, tmp_path / "cut", resume=True, progress=False)
    for x, y in zip(_weights(two_epochs), _weights(tmp_path / "cut")):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_kill_9_leaves_a_loadable_checkpoint_and_resume_works(tiny_store, tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "fingerspell", "train", str(tiny_store), "--run", str(run), "--epochs", "200",
               "--eval-every", "2", "--quiet"] + [a for s in TINY for a in ("--set", s)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (run / "metrics.csv").exists() or len((run / "metrics.csv").read_text().splitlines()) < 3:
        assert time.time() < deadline and process.poll() is None, "training did not get going"
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    saved = checkpoint.read_meta(run, "last")["state"]["step"]
    assert saved >= 2  # the state file names a whole checkpoint (torn files may remain beside it)
    result = train(tiny_store, run, resume=True, epochs=1, progress=False)
    assert result["step"] >= saved


def test_bad_inputs_never_give_nan_or_inf(tiny_store):
    configure_tensorflow(0, deterministic=True)
    store = Store(tiny_store)
    for model in ("ctc", "seq2seq"):
        config = preset(model).with_settings(TINY)
        data = Batches(store, store.split("train")[:4], config, training=True)
        index = int(data.indices[0])
        data.phrases = list(data.phrases)
        data.phrases[index] = "x" * 60 + "abc" * 20  # longer than any phrase the frames can carry
        examples = list(data.examples(epoch=0))
        if model == "ctc":
            assert index not in [int(e[2]) for e in examples] and len(data.skipped.too_long_for_ctc) == 1
        else:
            assert len(data.skipped.clipped_targets) == 1
        network = build_model(config, data.layout.num_features)
        blind = np.full_like(store[index], np.nan)  # a sequence whose hands are never detected
        batch = next(_single_batch(data, blind, "hello world"))
        loss = per_example_loss(network, config, batch, training=True).numpy()
        assert np.isfinite(loss).all() and loss[0] > 0


def _single_batch(data, frames, phrase):
    import tensorflow as tf
    from fingerspell.training.batches import encode_labels
    from fingerspell.features import compute_features
    features = compute_features(frames, data.layout, data.config.max_frames)[None]
    labels, _ = encode_labels(phrase, data.config)
    yield {"features": features, "mask": tf.ones(features.shape[:2], tf.bool), "labels": tf.constant([labels]),
           "label_lengths": tf.constant([len(labels)]), "index": tf.constant([0], tf.int64)}


def test_empty_split_is_a_clear_error(tiny_dataset, tmp_path, capsys):
    prepare(tiny_dataset, tmp_path / "store", split_rule=SplitRule(val_fraction=0.0), progress=False)
    assert main(["train", str(tmp_path / "store"), "--run", str(tmp_path / "run"), "--quiet"]) == 2
    assert "val split is empty" in capsys.readouterr().err


def test_mirrored_strategy_on_two_logical_cpus(tiny_store, tmp_path):
    command = [sys.executable, "-m", "fingerspell", "train", str(tiny_store), "--run", str(tmp_path / "run"),
               "--epochs", "1", "--strategy", "mirrored", "--logical-cpus", "2", "--quiet"]
    command += [a for s in TINY for a in ("--set", s)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["replicas"] == 2 and np.isfinite(summary["val_loss"])
    # batch_size is per replica; the peak learning rate follows the global batch (linear scaling)
    assert summary["global_batch"] == 2 * 16
    assert summary["peak_learning_rate"] == pytest.approx(2 * preset("ctc").learning_rate)


def test_mixed_precision_path_trains_with_finite_loss(tiny_store, tmp_path):
    """The GPU recipe's float16 compute and loss scaling, forced on the CPU; the global dtype policy is
    put back afterwards, so later models in the same process are float32 again."""
    import keras
    config = preset("ctc").with_settings(TINY + ["mixed_precision=on", "epochs=1"])
    trainer = Trainer(tiny_store, tmp_path / "run", config)
    assert trainer.model.dtype_policy.name == "mixed_float16"
    assert keras.mixed_precision.global_policy().name == "float32"
    summary = trainer.fit(progress=False)
    assert np.isfinite(summary["train_loss"]) and np.isfinite(summary["val_loss"])
    weights = checkpoint.load(tmp_path / "run", "last")[1]
    assert all(w.dtype == np.float32 for w in weights)  # float32 master weights


def test_resume_keeps_the_precision_the_run_resolved(tiny_store, tmp_path, monkeypatch):
    """mixed_precision=auto resolves to mixed float16 on a GPU; resumed where there is none, the run goes
    on in mixed precision (its loss scale is part of the optimizer state) instead of failing to fit."""
    import tensorflow as tf
    real = tf.config.list_physical_devices
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind=None: ["a GPU"] if kind == "GPU" else real(kind))
    config = preset("ctc").with_settings(TINY + ["mixed_precision=auto", "epochs=1"])
    Trainer(tiny_store, tmp_path / "run", config).fit(progress=False)
    monkeypatch.setattr(tf.config, "list_physical_devices", real)
    meta = checkpoint.read_meta(tmp_path / "run", "last")
    assert meta["precision"] == "mixed_float16" and meta["runtime"]["mixed_precision"] == "auto"
    first = meta["state"]["step"]
    summary = train(tiny_store, tmp_path / "run", resume=True, epochs=2, progress=False)
    assert summary["step"] == 2 * first and checkpoint.read_meta(tmp_path / "run", "last")["precision"] == "mixed_float16"


def test_a_checkpoint_holds_every_weight_optimizer_variable_and_dropout_state(tiny_store, tmp_path):
    """Keras 3 models are not fully tracked by TensorFlow's object graph: the checkpoint lists the variables."""
    import tensorflow as tf
    config = preset("ctc").with_settings(TINY + ["ctc.dropout=0.3", "epochs=1"])
    trainer = Trainer(tiny_store, tmp_path / "run", config)
    trainer.fit(progress=False)
    meta, weights, optimizer, rng = checkpoint.load(tmp_path / "run", "last")
    assert len(weights) == len(trainer.model.weights) and len(optimizer) == len(trainer.optimizer.variables)
    assert len(rng) == len(trainer.seed_states()) > 0
    for saved, variable in zip(weights + optimizer + rng, trainer.model.weights + trainer.optimizer.variables
                               + trainer.seed_states()):
        np.testing.assert_array_equal(saved, variable.numpy())
    prefix = tf.train.latest_checkpoint(str(tmp_path / "run" / "last"))
    assert prefix.endswith("ckpt-2") and sorted(p.name for p in (tmp_path / "run" / "last").iterdir()) == [
        "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index"]  # saved twice; only the newest is kept
    # why the lists: TensorFlow's object graph does not reach most of a Keras 3 model's weights
    graph_only = tf.train.Checkpoint(model=trainer.model).write(str(tmp_path / "graph_only" / "ckpt"))
    reached = [name for name, _ in tf.train.list_variables(graph_only) if name.startswith("model/")]
    assert len(reached) < len(trainer.model.weights) // 2



def test_training_batches_group_sequences_by_their_resampled_length(tiny_store):
    """Augmentation resamples each sequence to 0.5-1.5x its length; batches are made of neighbours in the
    length that gives, so they pad little (grouped by the stored length, a quarter of a batch was padding)."""
    store = Store(tiny_store)
    config = preset("ctc").with_settings(["batch_size=4", "augment.cutmix_probability=0"])
    data = Batches(store, store.split("train"), config, training=True)
    for epoch in range(2):
        order, factors = data.order(epoch), data.resample_factors(epoch)
        lengths = [len(data.example(epoch, p, int(i), float(factors[i]))[0]) for p, i in enumerate(order)]
        batches = sorted((min(lengths[i:i + 4]), max(lengths[i:i + 4])) for i in range(0, len(order), 4))
        assert len(batches) >= 8 and len(set(factors[order])) > len(order) // 2
        assert all(longest <= next_shortest for (_, longest), (next_shortest, _) in zip(batches, batches[1:]))


def test_val_signers_moves_validation_signers_into_training(tiny_store, tmp_path):
    store = Store(tiny_store)
    signers = store.sequences.participant_id.to_numpy()
    val = store.split("val")
    config = preset("ctc").with_settings(TINY + ["val_signers=0", "epochs=1"])
    everyone = Trainer(tiny_store, tmp_path / "all", config)
    assert len(everyone.val_data.indices) == 0
    assert sorted(everyone.train_data.indices) == sorted(np.concatenate([store.split("train"), val]))
    if len(np.unique(signers[val])) > 1:
        one = Trainer(tiny_store, tmp_path / "one", config.replace(val_signers=1))
        assert len(np.unique(signers[one.val_data.indices])) == 1
        assert len(one.train_data.indices) + len(one.val_data.indices) == len(everyone.train_data.indices)
    summary = everyone.fit(progress=False)  # a final model: no validation, the last checkpoint is the best
    assert summary["val_score"] == "" and summary["best_score"] is None and np.isfinite(summary["train_loss"])
    assert checkpoint.read_meta(tmp_path / "all", "best")["state"]["step"] == summary["step"] > 0
    with pytest.raises(ValueError, match="val_signers"):
        Trainer(tiny_store, tmp_path / "bad", config.replace(val_signers=-2))


def test_hand_frames_filter_leaves_out_and_counts_sequences_signed_out_of_view(tiny_store, tmp_path):
    store = Store(tiny_store)
    train_ids = store.split("train")
    counts = store.hand_frames()
    first = int(train_ids[0])
    frames = store[first]
    wrists = [store.header["landmarks"].index(n) for n in ("left_hand_0", "right_hand_0")]
    assert counts[first] == np.isfinite(frames[:, wrists, 0]).any(axis=1).sum()
    assert (tiny_store / "hand_frames.npy").is_file() and (store.hand_frames() == counts).all()
    ratio = counts[train_ids] / store.sequences.phrase.str.len().to_numpy()[train_ids]
    threshold = float(np.median(ratio))
    config = preset("ctc").with_settings(TINY + [f"min_hand_frames_per_char={threshold}"])
    trainer = Trainer(tiny_store, tmp_path / "run", config)
    kept = trainer.train_data.indices
    assert trainer.dropped_few_hand_frames == (ratio <= threshold).sum() > 0
    assert len(kept) == len(train_ids) - trainer.dropped_few_hand_frames
    assert (counts[kept] > threshold * store.sequences.phrase.str.len().to_numpy()[kept]).all()
    assert preset("ctc", "full").min_hand_frames_per_char == 2.0 and preset("ctc").min_hand_frames_per_char == 0


def test_weight_average_is_what_validation_and_the_best_checkpoint_get(tiny_store, tmp_path):
    config = preset("ctc").with_settings(TINY + ["ema_decay=0.5", "epochs=1"])
    trainer = Trainer(tiny_store, tmp_path / "run", config)
    trainer.fit(progress=False)  # one validation, at the last step: best is that step's average
    best, last = (checkpoint.load(tmp_path / "run", n)[1] for n in ("best", "last"))
    with trainer.averaged_weights():
        averaged = trainer.model.get_weights()
    for x, y in zip(best, averaged):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(last, trainer.model.get_weights()):  # the training weights are back after the block
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(best, last))
    assert preset("ctc", "full").ema_decay == 0.999 and preset("ctc").ema_decay == 0


def test_full_preset_reads_the_lips_and_says_how_to_prepare_for_them(tiny_store, tmp_path):
    assert preset("ctc", "full").lips and preset("ctc", "full").augment.rotate_degrees == 30
    with pytest.raises(ValueError, match="prepare the store with --lips"):
        train(tiny_store, tmp_path / "run", preset_name="full", epochs=1, progress=False)


def test_learning_rate_schedule_runs_in_the_graph_and_follows_warmup_then_cosine():
    import math
    import tensorflow as tf
    from fingerspell.training.trainer import lr_schedule
    config = preset("ctc").replace(warmup_fraction=0.1)
    peak = 2 * config.learning_rate
    horizon = tf.Variable(200.0)
    schedule = lr_schedule(config, horizon, scale=2)
    rate = lambda step: float(schedule(tf.constant(step)))
    assert rate(0) == 0 and rate(5) == pytest.approx(peak / 4) and rate(10) == pytest.approx(peak / 2)
    assert rate(20) == pytest.approx(peak)  # warm-up over 10% of 200 steps, then cosine decay
    assert rate(110) == pytest.approx(peak / 2) and rate(65) == pytest.approx(peak * (1 + math.cos(math.pi / 4)) / 2)
    assert rate(200) == pytest.approx(0, abs=1e-9) and rate(260) == pytest.approx(0, abs=1e-9)
    horizon.assign(100.0)  # a time budget that moves the end nearer: the same step is further on
    assert rate(100) == pytest.approx(0.0, abs=1e-9) and rate(55) == pytest.approx(peak / 2)


def test_jit_pads_batches_to_fixed_buckets_and_trains(tiny_store, tmp_path):
    """--set jit=true: XLA compiles the training step, so batches come in a few fixed lengths (each new
    shape is a new compilation), the padding masked as before, the features those of the unpadded batch (up
    to float rounding: their NaN-aware sums run over the padding too); the compiled step updates the weights."""
    from fingerspell.training.batches import FRAME_BUCKET, LABEL_BUCKET
    store = Store(tiny_store)
    config = preset("ctc").with_settings(TINY + ["jit=true", "epochs=1"])
    plain = Batches(store, store.split("train"), config.replace(jit=False), training=True)
    for batch, reference in zip(Batches(store, store.split("train"), config, training=True).dataset(0).take(4),
                                plain.dataset(0)):
        frames, characters = batch["features"].shape[1], batch["labels"].shape[1]
        assert frames % FRAME_BUCKET == 0 and characters % LABEL_BUCKET == 0
        assert reference["features"].shape[1] <= frames < reference["features"].shape[1] + FRAME_BUCKET
        assert np.array_equal(batch["mask"].numpy().sum(1), reference["mask"].numpy().sum(1))
        assert not batch["features"].numpy()[:, reference["features"].shape[1]:].any()
        np.testing.assert_allclose(batch["features"].numpy()[:, :reference["features"].shape[1]],
                                   reference["features"].numpy(), atol=1e-5)
    trainer = Trainer(tiny_store, tmp_path / "run", config)
    batch = next(iter(trainer.train_data.dataset(0)))
    before = [w.copy() for w in trainer.model.get_weights()]
    losses = [float(trainer.train_step(batch)) for _ in range(2)]  # one shape: one XLA compilation
    assert np.isfinite(losses).all()
    assert any(not np.array_equal(a, b) for a, b in zip(before, trainer.model.get_weights()))  # it updated


def test_compiled_features_match_the_plain_ones_and_skip_resumes_at_a_batch(tiny_store):
    """jit_features (the full preset's): the batch features XLA-compiled, landmark batches padded to multiples
    of FRAME_BUCKET frames; the same features as uncompiled. A dataset that skips the positions a run has
    done (`next_position` of its last batch) yields the rest of the epoch's batches unchanged."""
    from fingerspell.training.batches import FRAME_BUCKET, next_position
    store = Store(tiny_store)
    config = preset("ctc").with_settings(TINY + ["batch_size=8"])
    plain = Batches(store, store.split("train"), config, training=True)
    compiled = Batches(store, store.split("train"), config.replace(jit_features=True), training=True)
    batches = list(plain.dataset(1))
    assert len(batches) >= 3
    for reference, batch in zip(batches, compiled.dataset(1)):
        width = reference["features"].shape[1]
        assert batch["features"].shape[1] % FRAME_BUCKET == 0 or batch["features"].shape[1] == config.max_frames
        np.testing.assert_array_equal(batch["mask"].numpy()[:, :width], reference["mask"].numpy())
        assert not batch["mask"].numpy()[:, width:].any() and not batch["features"].numpy()[:, width:].any()
        np.testing.assert_array_equal(batch["index"].numpy(), reference["index"].numpy())
        np.testing.assert_allclose(batch["features"].numpy()[:, :width], reference["features"].numpy(), atol=1e-5)
    tail = list(plain.dataset(1, skip=next_position(batches[1])))
    assert len(tail) == len(batches) - 2
    for reference, batch in zip(batches[2:], tail):
        np.testing.assert_array_equal(batch["features"].numpy(), reference["features"].numpy())
        np.testing.assert_array_equal(batch["position"].numpy(), reference["position"].numpy())
    positions = np.concatenate([b["position"].numpy() for b in batches])
    assert (np.diff(positions) > 0).all() and positions[-1] < len(store.split("train"))


def test_features_in_step_gives_the_pipeline_features_and_trains(tiny_store, tmp_path):
    """features_in_step (the full preset's): batches carry landmarks and the compiled steps make the features,
    the same as the input pipeline makes for the same batch; training and validation run on them."""
    store = Store(tiny_store)
    config = preset("ctc").with_settings(TINY + ["epochs=1", "features_in_step=true"])
    in_step = Batches(store, store.split("train"), config, training=True)
    in_pipeline = Batches(store, store.split("train"), config.replace(features_in_step=False), training=True)
    for landmarks, reference in zip(in_step.dataset(0).take(3), in_pipeline.dataset(0)):
        assert "features" not in landmarks and landmarks["landmarks"].shape[-2:] == (len(store.header["landmarks"]), 3)
        made = in_step.model_inputs(landmarks)
        np.testing.assert_array_equal(made["features"].numpy(), reference["features"].numpy())
        np.testing.assert_array_equal(made["mask"].numpy(), reference["mask"].numpy())
        np.testing.assert_array_equal(made["labels"].numpy(), reference["labels"].numpy())
    trainer = Trainer(tiny_store, tmp_path / "run", config)
    batch = next(iter(trainer.train_data.dataset(0)))
    before = [w.copy() for w in trainer.model.get_weights()]
    assert np.isfinite([float(trainer.train_step(batch)) for _ in range(2)]).all()  # (step 0's rate is 0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, trainer.model.get_weights()))
    losses, tokens = trainer.eval_step(next(iter(trainer.val_data.dataset())))
    assert np.isfinite(losses.numpy()).all() and tokens.shape[0] == losses.shape[0]


@pytest.fixture
def one_epoch(tiny_store, tmp_path):
    run = tmp_path / "run"
    train(tiny_store, run, epochs=1, progress=False, settings=TINY)
    return run


def _resume(tiny_store, run, *flags):
    return main(["train", str(tiny_store), "--run", str(run), "--resume", "--quiet", *flags])


def test_resume_refuses_a_changed_recipe_naming_each_key(tiny_store, one_epoch, capsys):
    before = checkpoint.read_meta(one_epoch, "last")
    capsys.readouterr()
    assert _resume(tiny_store, one_epoch, "--batch-size", "8") == 2
    error = capsys.readouterr().err
    assert "a resume keeps the run's recipe" in error and "batch_size (checkpoint 16, asked 8)" in error, error
    assert _resume(tiny_store, one_epoch, "--set", "ctc.dim=64", "--no-augment", "--set", "input_workers=2") == 2
    error = capsys.readouterr().err
    assert "ctc.dim (checkpoint 32, asked 64)" in error and "augment.enabled (checkpoint true, asked false)" in error
    assert "input_workers" not in error  # a runtime setting is no recipe change
    assert _resume(tiny_store, one_epoch, "--model", "seq2seq", "--learning-rate", "0.5") == 2
    error = capsys.readouterr().err
    assert 'model (checkpoint "ctc", asked "seq2seq")' in error and "learning_rate (checkpoint 0.002, asked 0.5)" in error
    # the precision it resolved is part of the optimizer state: no other on resume
    assert _resume(tiny_store, one_epoch, "--set", "mixed_precision=on") == 2
    assert "computes in float32" in capsys.readouterr().err
    assert checkpoint.read_meta(one_epoch, "last") == before  # refused before anything ran


def test_resume_applies_and_prints_a_changed_runtime(tiny_store, one_epoch, capsys):
    first = checkpoint.read_meta(one_epoch, "last")
    assert first["runtime"]["input_workers"] == 0 and first["runtime"]["epochs"] == 1
    capsys.readouterr()
    # the recipe's own values may be repeated: only a change is refused
    repeated = [a for s in TINY for a in ("--set", s)] + ["--seed", "0", "--model", "ctc", "--preset", "cpu"]
    assert _resume(tiny_store, one_epoch, "--set", "input_workers=2", "--epochs", "2", "--eval-every", "1000",
                   *repeated) == 0
    error = capsys.readouterr().err
    for line in ("resume: runtime input_workers 0 -> 2", "resume: runtime epochs 1 -> 2",
                 "resume: runtime eval_every 0 -> 1000"):
        assert line in error, error
    meta = checkpoint.read_meta(one_epoch, "last")
    assert meta["runtime"]["input_workers"] == 2 and meta["runtime"]["epochs"] == 2
    assert meta["state"]["epoch"] == 2 and meta["state"]["step"] == 2 * first["state"]["step"]
    assert meta["config"] == first["config"]


def test_resume_without_flags_keeps_recipe_and_runtime_of_a_non_default_run(tiny_store, tmp_path, capsys):
    """A seq2seq run (whose preset differs from the defaults in many fields) resumed with no flags: nothing
    asked, nothing refused or changed."""
    run = tmp_path / "run"
    train(tiny_store, run, model="seq2seq", epochs=1, progress=False, settings=TINY + ["eval_every=1000"])
    first = checkpoint.read_meta(run, "last")
    capsys.readouterr()
    assert _resume(tiny_store, run) == 0
    captured = capsys.readouterr()
    assert "resume:" not in captured.err and json.loads(captured.out.strip().splitlines()[-1])["step"] == first["state"]["step"]
    meta = checkpoint.read_meta(run, "last")
    assert meta["config"] == first["config"] and meta["runtime"] == first["runtime"]
    assert meta["config"]["model"] == "seq2seq" and meta["config"]["max_frames"] == 128


def test_a_checkpoint_of_both_parts_in_its_config_loads_and_resumes(tiny_store, one_epoch, capsys):
    """Checkpoints before the split held the runtime inside "config": loading takes its recipe keys,
    a resume runs with its runtime keys."""
    import tensorflow as tf
    from fingerspell.training.run import load_run
    recipe = None
    for which in ("last", "best"):
        meta, *arrays = checkpoint.load(one_epoch, which)
        recipe = meta["config"]
        legacy = {k: meta[k] for k in ("state", "landmarks", "num_features", "parameters", "precision")}
        legacy["config"] = {**meta["config"], **meta["runtime"], "eval_every": 1000}
        checkpoint.save(one_epoch, which, legacy, *[[tf.Variable(a) for a in part] for part in arrays])
    assert "runtime" not in checkpoint.read_meta(one_epoch, "last")
    config, model, _ = load_run(one_epoch, "best")
    assert config.recipe == Recipe.from_dict(recipe) and model.count_params() > 0
    capsys.readouterr()
    assert _resume(tiny_store, one_epoch, "--epochs", "2") == 0
    assert "resume: runtime epochs 1 -> 2" in capsys.readouterr().err
    meta = checkpoint.read_meta(one_epoch, "last")
    assert meta["config"] == recipe and meta["runtime"]["eval_every"] == 1000 and meta["state"]["epoch"] == 2
