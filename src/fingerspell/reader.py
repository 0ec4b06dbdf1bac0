"""What `fingerspell predict` does with its inputs: files, folders and videos -> one reading per sequence.

Videos and images are run through MediaPipe first (video/extract.py); each input then yields its readings,
or one failure that names it, and the others go on (as whisper does with many files).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import Iterator

from fingerspell.errors import DataError


@dataclass
class InputReadings:
    """One input's readings (dicts: input, sequence_id, text, confidence, frames), or why it failed."""
    input: str
    rows: list[dict] = field(default_factory=list)
    error: str | None = None


def read_inputs(inputs: list[str], model, sequence_ids=None, progress: bool = True) -> Iterator[InputReadings]:
    """Each input (after folders are expanded) with its readings, in order. A whole call fails only when an
    input cannot be expanded (a folder with nothing to read): DataError."""
    from fingerspell.inference import read_sequences
    from fingerspell.io.inputs import expand
    from fingerspell.video.extract import extract, is_media
    inputs = expand(inputs, is_media)
    media = [p for p in inputs if is_media(p)]
    extracted, scratch = {}, None
    if media:  # videos and images: MediaPipe first, then the landmark files it wrote
        scratch = tempfile.TemporaryDirectory()
        extracted = {r["input"]: r for r in extract(media, scratch.name, progress=progress)}
    try:
        for path in inputs:
            result = InputReadings(path)
            try:
                source = _landmarks_of(path, extracted)
                for sequence_id, frames in read_sequences(source, model.columns, sequence_ids):
                    result.rows.append({"input": path, "sequence_id": sequence_id, **model.read(frames).to_dict()})
            except (DataError, ValueError, OSError) as error:
                result.error = str(error) if str(path) in str(error) else f"{path}: {error}"
            yield result
    finally:
        if scratch is not None:
            scratch.cleanup()


def _landmarks_of(path: str, extracted: dict) -> str:
    if path not in extracted:
        return path
    if not extracted[path]["ok"]:
        raise ValueError(f"{path}: {extracted[path]['reason']}")
    return extracted[path]["path"]
