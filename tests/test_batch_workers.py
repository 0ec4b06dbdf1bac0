"""Input worker processes (input_workers): the same batches as the training process makes, resumable, and a
clear error when a worker fails or is killed."""
import os
import signal

import numpy as np
import pytest

from fingerspell.training.batch_workers import resolve_workers
from fingerspell.training.config import preset
from fingerspell.training.batches import Batches
from fingerspell.store.store import Store

pytestmark = pytest.mark.slow


SETTINGS = ["batch_size=8", "features_in_step=true", "max_frames=96"]


def _batches(tiny_store, workers: int, **changes) -> Batches:
    store = Store(tiny_store)
    config = preset("ctc").with_settings(SETTINGS + [f"input_workers={workers}"]).replace(**changes)
    return Batches(store, store.split("train"), config, training=True)


def _arrays(dataset) -> list[dict]:
    return [{k: v.numpy() for k, v in batch.items()} for batch in dataset]


def test_workers_make_the_batches_the_training_process_makes_and_resume(tiny_store):
    with_workers, alone = _batches(tiny_store, 2), _batches(tiny_store, 0)
    try:
        assert with_workers.input_worker_pids() == []  # started when the first dataset asks
        for epoch in (0, 1):
            made, reference = _arrays(with_workers.dataset(epoch)), _arrays(alone.dataset(epoch))
            assert len(made) == len(reference) >= 5
            for a, b in zip(made, reference):
                assert a.keys() == b.keys()
                for key in a:
                    np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        assert len(with_workers.input_worker_pids()) == 2 and alone.input_worker_pids() == []
        # the examples skipped (too short for their phrase under CTC) are counted in the parent too
        assert with_workers.skipped == alone.skipped
        # a run resumed after its third batch reads the rest of the epoch unchanged, with no stale batch
        iterator = iter(with_workers.dataset(1))
        next(iterator)  # an iterator left mid-epoch: the workers' batches ahead of it are waited out
        del iterator
        tail = _arrays(with_workers.dataset(1, skip=int(made[2]["position"].max()) + 1))
        assert len(tail) == len(made) - 3
        for a, b in zip(tail, made[3:]):
            np.testing.assert_array_equal(a["landmarks"], b["landmarks"])
            np.testing.assert_array_equal(a["position"], b["position"])
    finally:
        with_workers.close()
    assert with_workers.input_worker_pids() == []


def test_a_worker_that_fails_names_the_batch_and_shows_its_error(tiny_store):
    batches = _batches(tiny_store, 2)
    broken = batches.landmark_batch

    def landmark_batch(epoch, start, *args, **kwargs):
        if start == 16:
            raise ValueError("sequence 16 is broken")
        return broken(epoch, start, *args, **kwargs)
    batches.landmark_batch = landmark_batch  # before the workers fork: they inherit it
    try:
        with pytest.raises(Exception, match="(?s)position 16 of epoch 0.*sequence 16 is broken"):
            _arrays(batches.dataset(0))
    finally:
        batches.close()


def test_a_killed_worker_is_a_clear_error_not_a_hang(tiny_store):
    batches = _batches(tiny_store, 2)
    try:
        dataset = batches.dataset(0)  # the workers start here
        for process in batches.batch_workers.processes:
            os.kill(process.pid, signal.SIGKILL)
            process.join()
        with pytest.raises(Exception, match="input worker . stopped .exit code -9.*position 0 of epoch 0"):
            _arrays(dataset)
    finally:
        batches.close()


def test_input_workers_setting():
    assert resolve_workers(0) == 0 and resolve_workers(3) == 3
    assert 1 <= resolve_workers(-1) <= 8
    with pytest.raises(ValueError, match="input_workers=-2"):
        resolve_workers(-2)


def test_batches_still_held_keep_their_memory_and_the_rest_is_made_in_process(tiny_store):
    """The workers' batches are views of shared slots, written again only once nothing holds them: a
    caller keeping every batch of two epochs (more than there are slots) still sees each as it was made."""
    with_workers, alone = _batches(tiny_store, 2, batch_size=2), _batches(tiny_store, 0, batch_size=2)
    try:
        kept = [batch for epoch in (0, 1) for batch in with_workers.dataset(epoch)]  # tensors, held
        slots = len(with_workers.batch_workers.free) + len(with_workers.batch_workers.lent)
        assert len(kept) > slots  # so some were made in the training process
        reference = [batch for epoch in (0, 1) for batch in alone.dataset(epoch)]
        assert len(kept) == len(reference)
        for a, b in zip(kept, reference):
            np.testing.assert_array_equal(a["landmarks"].numpy(), b["landmarks"].numpy())
            np.testing.assert_array_equal(a["position"].numpy(), b["position"].numpy())
        assert with_workers.batch_workers.lent
        del kept, a, b
        with_workers.batch_workers.reclaim()
        assert not with_workers.batch_workers.lent  # let go of: every slot is free again
    finally:
        with_workers.close()
