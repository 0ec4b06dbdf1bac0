"""fingerspell: American Sign Language fingerspelling from MediaPipe landmarks to text.

    import fingerspell
    model = fingerspell.load_model()   # the bundled model; or a .tflite, an export folder, a run directory
    text = model.predict(frames)  # frames: (n, 543, 3) landmarks, or (n, columns) in selected_columns order
    reading = model.read(frames)  # text, per-character confidence, frames
    model.predict(frames, decoder="beam")  # a CTC beam search with the character language model
"""
__version__ = "0.1.0"


def load_model(path=None, threads: int = 1, decoder=None):
    """A `.tflite` file, an export folder or a run directory (none: the bundled model) -> an object whose
    `predict(frames)` is text and `read(frames)` also gives per-character confidence. `decoder`: "greedy",
    "beam" or a fingerspell.decoders.options.DecodingOptions, the default of its reads."""
    from fingerspell.inference import load_model as _load
    return _load(path, threads, decoder)


def predict(frames, path=None, decoder=None) -> str:
    """One-shot convenience: read `frames` with the model at `path` (none: the bundled model)."""
    return load_model(path, decoder=decoder).predict(frames)
