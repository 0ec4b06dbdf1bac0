"""fingerspell: American Sign Language fingerspelling from MediaPipe landmarks to text.

    import fingerspell
    model = fingerspell.load_model()   # the bundled model; or a .tflite, an export folder, a run directory
    text = model.predict(frames)  # frames: (n, 543, 3) landmarks, or (n, columns) in selected_columns order
    reading = model.read(frames)  # text, per-character confidence, frames
"""
__version__ = "0.1.0"


def load_model(path=None, threads: int = 1):
    """A `.tflite` file, an export folder or a run directory (none: the bundled model) -> an object whose
    `predict(frames)` is text and `read(frames)` also gives per-character confidence."""
    from fingerspell.inference import load_model as _load
    return _load(path, threads)


def predict(frames, path=None) -> str:
    """One-shot convenience: read `frames` with the model at `path` (none: the bundled model)."""
    return load_model(path).predict(frames)
