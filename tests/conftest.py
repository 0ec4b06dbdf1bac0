"""A tiny synthetic dataset and its store, built once per test session (pose-format's fixture pattern)."""
import os
from pathlib import Path

import pytest

from fingerspell.store.store import prepare
from fingerspell.synth.corpus import synthesize

os.environ["FINGERSPELL_DETERMINISTIC"] = "1"  # tests compare reruns bit for bit; users opt in (--deterministic)
SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def shared(relative: str) -> Path:
    """A file of the team's real reference data, or a skip where the checkout has none beside it."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"reference data {relative} not present (../shared/data is absent on a plain clone)")
    return path


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """120 train + 20 supplemental sequences by 8 signers, 60 sequences per parquet file, 16 per row group."""
    root = tmp_path_factory.mktemp("tiny_dataset")
    synthesize(root, sequences=120, signers=8, seed=7, supplemental=20, sequences_per_file=60, progress=False,
               sequences_per_row_group=16)
    return root


@pytest.fixture(scope="session")
def tiny_store(tiny_dataset, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("tiny_store") / "store"
    prepare(tiny_dataset, store, progress=False)
    return store


# Test tiers (`make test-fast` leaves out slow, browser and video tests): a test that needs a trained model is slow.
NEEDS_TRAINING = {"exported", "tiny_export", "two_epochs", "one_epoch"}


def pytest_collection_modifyitems(items):
    for item in items:
        if NEEDS_TRAINING & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
        if "video_env" in item.fixturenames:
            item.add_marker(pytest.mark.video)


TINY_MODEL = ["ctc.dim=32", "ctc.groups=1", "ctc.heads=2", "batch_size=32", "seq2seq.dim=32", "seq2seq.hidden=48",
              "seq2seq.heads=2"]
_EXPORTS = {}


def export_tiny(kind, tiny_store, tmp_path_factory):
    """(kind, run dir, export dir, export info) of a barely trained tiny model; built once per session."""
    if kind not in _EXPORTS:
        from fingerspell.export.tflite import export_run
        from fingerspell.training.trainer import train
        root = tmp_path_factory.mktemp(f"export-{kind}")
        train(tiny_store, root / "run", model=kind, epochs=1, progress=False, settings=TINY_MODEL)
        _EXPORTS[kind] = (kind, root / "run", root / "export", export_run(root / "run", root / "export"))
    return _EXPORTS[kind]
