"""Worker processes that make the training pipeline's landmark batches side by side.

One Python thread reads and augments about 2,000 sequences a second however many cores the machine has
(the interpreter lock), and a GPU training the full model wants more. Each worker is a fork of the
training process, made when the first dataset asks (it sees the `Batches` as it was then): it inherits
the store's memory map and the config, and makes whole batches with the same `Batches.landmark_batch`, so
a batch is the same whichever process makes it. Its landmarks go into a slot of memory shared with the
parent; the small parts (lengths, labels, indices, positions, the examples it skipped) come back as JSON.
Nothing is pickled.
"""
from __future__ import annotations

import json
import mmap
import multiprocessing
import os
import sys
import traceback

import numpy as np


LENT_SLOTS = 8  # slots beyond the workers' own: batches handed out and still held downstream (prefetch)


def resolve_workers(wanted: int) -> int:
    """`input_workers`: 0 = none (the training process makes its batches), -1 = one per core up to 8;
    none where processes cannot be forked (Linux and macOS can)."""
    if wanted < -1:
        raise ValueError(f"input_workers={wanted}: give -1 (one per core), 0 (none) or a count")
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(os.cpu_count() or 1, 8) if wanted == -1 else wanted


class BatchWorkers:
    """`count` forked workers making `batches.landmark_batch(epoch, start)` for the starts asked of them,
    in order, up to `2 * count + 1` batches ahead of the one being read.

    The landmarks are handed to TensorFlow as views of their slot, not copies (copying each 28 MB batch out
    held the bench at 2,461 sequences/s against 3,131 with views, 2 cores): TensorFlow keeps the view while
    a tensor of it lives, so a slot is written again only once nothing but this object refers to its view.
    Where every slot is still held (a caller keeping many batches), the training process makes the batch."""

    def __init__(self, batches, count: int):
        self.batches = batches
        self.slot_shape = batches.largest_landmark_batch()
        self.slot_size = int(np.prod(self.slot_shape))
        self.free = list(range(2 * count + 1 + LENT_SLOTS))
        # anonymous shared memory, inherited by the forks (no /dev/shm file, which containers keep small)
        self.memory = mmap.mmap(-1, len(self.free) * self.slot_size * 4)
        context = multiprocessing.get_context("fork")
        self.pipes, self.processes = [], []
        for _ in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(batches, child, self.memory, self.slot_shape),
                                      daemon=True)
            process.start()
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)
        self.pending = []  # (start, worker, slot) asked for, in order
        self.lent = []  # (slot, the view of it handed out)
        self.stream = None  # (epoch, starts, index of the next start to ask for)
        self.submitted = 0

    def get(self, epoch: int, starts: np.ndarray, start: int):
        """The batch at `start` of `starts` (the epoch's batch starts, read in order; a read out of that
        order, as a new iterator or a repeat makes, restarts the stream there)."""
        if self.stream is None or self.stream[0] != epoch or self.stream[1] is not starts or \
                not self.pending or self.pending[0][0] != start:
            self._drain()
            self.stream = [epoch, starts, int(np.searchsorted(starts, start))]
        self.reclaim()
        self._submit()
        if not self.pending:  # no slot was free to ask for it: made here
            self.stream[2] += 1
            return self.batches.landmark_batch(epoch, start)
        wanted, worker, slot = self.pending.pop(0)
        try:
            reply = json.loads(self.pipes[worker].recv_bytes())
        except (EOFError, OSError) as error:
            raise self._stopped(worker, epoch, wanted) from error
        if "error" in reply:
            self.free.append(slot)
            raise RuntimeError(f"an input worker failed on the batch at position {wanted} of epoch {epoch}:\n"
                               f"{reply['error']}")
        skipped = self.batches.skipped
        skipped.too_long_for_ctc.update(map(tuple, reply["too_long_for_ctc"]))
        skipped.clipped_targets.update(map(tuple, reply["clipped_targets"]))
        shape = reply["shape"]
        view = _slot(self.memory, self.slot_size, slot)[:int(np.prod(shape))].reshape(shape)
        self.lent.append((slot, view))
        labels = np.asarray(reply["labels"], np.int32).reshape(reply["labels_shape"])
        return (view, np.asarray(reply["lengths"], np.int32), labels,
                np.asarray(reply["label_lengths"], np.int32), np.asarray(reply["index"], np.int64),
                np.asarray(reply["position"], np.int64))

    def reclaim(self) -> None:
        """Slots whose views nothing else holds any more (TensorFlow let go of them) are free again."""
        held = []
        for slot, view in self.lent:
            # references: the tuple in self.lent, `view` here and getrefcount's argument
            if sys.getrefcount(view) > 3:
                held.append((slot, view))
            else:
                self.free.append(slot)
        self.lent = held

    def _submit(self) -> None:
        epoch, starts, index = self.stream
        while self.free and index < len(starts):
            slot, worker = self.free.pop(), self.submitted % len(self.pipes)
            try:
                self.pipes[worker].send_bytes(json.dumps([epoch, int(starts[index]), slot]).encode())
            except OSError as error:
                raise self._stopped(worker, epoch, int(starts[index])) from error
            self.pending.append((int(starts[index]), worker, slot))
            self.submitted += 1
            index += 1
        self.stream[2] = index

    def _stopped(self, worker: int, epoch: int, position: int) -> RuntimeError:
        self.processes[worker].join(timeout=1)
        return RuntimeError(f"input worker {worker} stopped (exit code {self.processes[worker].exitcode}; out of "
                            f"memory?) before the batch at position {position} of epoch {epoch}; "
                            "--set input_workers=0 makes the batches in the training process")

    def _drain(self) -> None:
        """Wait out the batches asked for and not read (an iterator left mid-epoch), freeing their slots."""
        pending, self.pending = self.pending, []
        for _, worker, slot in pending:
            try:
                self.pipes[worker].recv_bytes()
            except (EOFError, OSError):  # a stopped worker: the next batch asked of it says so
                pass
            self.free.append(slot)

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()  # a worker ends when its pipe does
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        self.pipes, self.processes = [], []


def _serve(batches, pipe, memory, slot_shape) -> None:
    """A worker: (epoch, start, slot) in, the batch into the slot and its small parts out, until the pipe
    closes."""
    slot_size = int(np.prod(slot_shape))
    while True:
        try:
            epoch, start, slot = json.loads(pipe.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            batches.skipped.too_long_for_ctc.clear()
            batches.skipped.clipped_targets.clear()
            landmarks, lengths, labels, label_lengths, index, position = batches.landmark_batch(
                epoch, start, out=_slot(memory, slot_size, slot))
            reply = {"shape": landmarks.shape, "lengths": lengths.tolist(), "labels": labels.reshape(-1).tolist(),
                     "labels_shape": labels.shape,
                     "label_lengths": label_lengths.tolist(), "index": index.tolist(),
                     "position": position.tolist(),
                     "too_long_for_ctc": sorted(batches.skipped.too_long_for_ctc),
                     "clipped_targets": sorted(batches.skipped.clipped_targets)}
        except Exception:  # the parent raises it, naming the batch
            reply = {"error": traceback.format_exc()}
        pipe.send_bytes(json.dumps(reply).encode())


def _slot(memory, slot_size: int, slot: int) -> np.ndarray:
    """Slot `slot` of the shared memory, as a flat float32 array (a view, not a copy)."""
    return np.frombuffer(memory, np.float32, slot_size, slot * slot_size * 4)
