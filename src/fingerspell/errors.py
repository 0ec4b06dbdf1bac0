"""The error every reader raises for bad input data."""
from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input data, naming the file and (when known) the sequence."""

    def __init__(self, message: str, file: str | Path | None = None, sequence_id: int | None = None):
        self.reason, self.file, self.sequence_id = message, file, sequence_id
        where = [str(file)] if file is not None else []
        if sequence_id is not None:
            where.append(f"sequence {sequence_id}")
        super().__init__(": ".join(where + [message]))
