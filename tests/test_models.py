import numpy as np
import pytest
import tensorflow as tf

from fingerspell.models.ctc import CTCConfig, CTCModel, ctc_greedy, ctc_loss, needed_steps
from fingerspell.models.seq2seq import Seq2SeqConfig, Seq2SeqModel
from fingerspell.vocab import BLANK_TOKEN, EOS_TOKEN, PAD_TOKEN, SOS_TOKEN

FEATURES = 145


def _inputs(lengths, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(len(lengths), max(lengths), FEATURES)).astype(np.float32)
    mask = tf.sequence_mask(lengths, max(lengths))
    return x * mask.numpy()[:, :, None], mask


def test_ctc_greedy_collapses_repeats_and_drops_blanks():
    path = [32, 32, BLANK_TOKEN, 32, 33, 33, BLANK_TOKEN, BLANK_TOKEN, 34, 0]
    logits = tf.one_hot([path], 60) * 10
    mask = tf.constant([[True] * 9 + [False]])
    tokens = ctc_greedy(logits, mask).numpy()[0]
    assert [t for t in tokens if t >= 0] == [32, 32, 33, 34]

    from fingerspell.inference import greedy_steps  # the numpy twin that reads a .tflite's steps
    assert np.array_equal(greedy_steps(tf.nn.softmax(logits[0, :9]).numpy()), tokens[:9])


def test_needed_steps_counts_blanks_between_repeats():
    assert needed_steps([1, 2, 3]) == 3 and needed_steps([1, 1, 2, 2, 2]) == 8 and needed_steps([]) == 0


@pytest.mark.parametrize("kernel", ["sparse", "dense"])
def test_ctc_loss_is_finite_when_the_phrase_cannot_fit(kernel):
    logits = tf.zeros([2, 4, 60])
    mask = tf.constant([[True] * 4, [True, True, False, False]])
    labels = tf.constant([[1, 2, 3, 0, 0, 0], [1, 2, 3, 4, 5, 6]])
    loss = ctc_loss(logits, mask, labels, tf.constant([3, 6]), kernel=kernel).numpy()
    assert np.isfinite(loss).all() and loss[0] > 0 and loss[1] == 0


def test_ctc_sparse_kernel_matches_the_dense_path_in_loss_and_gradient():
    rng = np.random.default_rng(0)
    logits = tf.Variable(rng.normal(size=(4, 12, 60)).astype(np.float32))
    mask = tf.sequence_mask([12, 9, 5, 3], 12)
    # a repeat ("1 1"), label id 0, padding after the end, and an example too long for its 3 steps
    labels = tf.constant([[1, 1, 2, 0, 7], [5, 6, 7, 8, 0], [0, 3, 0, 0, 0], [4, 4, 4, 4, 4]])
    lengths = tf.constant([4, 4, 3, 5])
    results = {}
    for kernel in ("sparse", "dense"):
        with tf.GradientTape() as tape:
            loss = ctc_loss(logits, mask, labels, lengths, kernel=kernel)
            total = tf.reduce_sum(loss)
        results[kernel] = loss.numpy(), tape.gradient(total, logits).numpy()
    (sparse, sparse_grad), (dense, dense_grad) = results["sparse"], results["dense"]
    assert sparse[3] == 0 and (sparse[:3] > 0).all()
    np.testing.assert_allclose(sparse, dense, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(sparse_grad[:, :9], dense_grad[:, :9], atol=1e-4)


@pytest.mark.parametrize("stride", [1, 2])
def test_ctc_model_shapes_and_padding_invariance(stride):
    model = CTCModel(CTCConfig(dim=32, groups=1, time_stride=stride))
    x, mask = _inputs([37, 20])
    logits, out_mask = model(x, mask)
    assert logits.shape == (2, -(-37 // stride), 60)
    assert out_mask.numpy().sum(axis=1).tolist() == [-(-37 // stride), -(-20 // stride)]
    alone, _ = model(x[1:, :20], mask[1:, :20])  # the short one without batch padding
    np.testing.assert_allclose(alone.numpy()[0], logits.numpy()[1, :alone.shape[1]], atol=1e-4)


def _seq2seq():
    model = Seq2SeqModel(Seq2SeqConfig(dim=40, heads=4, hidden=64, max_target=12))
    x, mask = _inputs([40, 23], seed=1)
    model(x, mask, tf.zeros([2, 3], tf.int32))
    return model, x, mask


def test_seq2seq_padding_masks_make_batching_irrelevant():
    model, x, mask = _seq2seq()
    tokens = tf.constant([[SOS_TOKEN, 32, 33, PAD_TOKEN], [SOS_TOKEN, 40, PAD_TOKEN, PAD_TOKEN]])
    batched = model(x, mask, tokens).numpy()
    alone = model(x[1:, :23], mask[1:, :23], tokens[1:]).numpy()
    np.testing.assert_allclose(alone[0, :2], batched[1, :2], atol=1e-4)


def test_cached_greedy_equals_uncached_greedy():
    model, x, mask = _seq2seq()
    cached = model.greedy(x, mask).numpy()
    memory, memory_mask = model.encode(x, mask)
    tokens = np.full((2, 1), SOS_TOKEN, np.int32)
    expected = np.full((2, 11), -1)
    done = np.zeros(2, bool)
    for step in range(11):  # the seed notebook's way: re-run the decoder over the whole prefix
        logits = model.decode(tf.constant(tokens), memory, memory_mask).numpy()[:, -1]
        token = logits.argmax(-1)
        done |= token == EOS_TOKEN
        expected[:, step] = np.where(done | (token >= PAD_TOKEN), -1, token)
        tokens = np.concatenate([tokens, token[:, None].astype(np.int32)], axis=1)
        if done.all():
            break
    np.testing.assert_array_equal(cached, expected)


def test_seq2seq_reads_as_many_frames_as_the_run_allows():
    """One max_frames for a run: a seq2seq model set to 256 frames takes 256 (its positions follow)."""
    from fingerspell.training.config import preset
    from fingerspell.training.run import build_model
    config = preset("seq2seq").with_settings(["max_frames=256", "seq2seq.dim=32", "seq2seq.hidden=48",
                                              "seq2seq.heads=2"])
    model = build_model(config, 20)
    logits = model(tf.random.normal([1, 256, 20]), tf.ones([1, 256], tf.bool), tf.zeros([1, 3], tf.int32))
    assert logits.shape[:2] == (1, 3) and np.isfinite(logits.numpy()).all()
