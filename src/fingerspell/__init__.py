"""fingerspell: American Sign Language fingerspelling from MediaPipe landmarks to text.

    import fingerspell
    model = fingerspell.load_model("export/model.tflite")   # or a run directory
    text = model.predict(frames)  # frames: (n, 543, 3) landmarks, or (n, columns) in selected_columns order
"""
__version__ = "0.1.0"


def load_model(path, threads: int = 1):
    """A `.tflite` file, an export folder or a run directory -> an object whose `predict(frames)` is text."""
    from .inference import load_model as _load
    return _load(path, threads)


def predict(path, frames) -> str:
    """One-shot convenience: load the model at `path` and read `frames`."""
    return load_model(path).predict(frames)
