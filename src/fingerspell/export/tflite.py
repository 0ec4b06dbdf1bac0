"""`fingerspell export RUN_DIR -o OUT_DIR [--fp16]`: a LiteRT model under the competition contract.

The graph holds the whole path: raw Kaggle columns `inputs` [frames, len(selected_columns)] -> the same
feature pipeline training used (features.py) -> the model -> greedy decoding -> `outputs`
[characters, 59] rows whose argmax is each character read (CTC: the model's probabilities at the step
that emitted it, so the row's maximum is its confidence), signature `serving_default`. Builtin ops only.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import tensorflow as tf

from fingerspell.export.artifact import CHARACTER_MAP_FILE, INPUT, MAX_SIZE_BYTES, MODEL_FILE, OUTPUT, SIGNATURE, write_args
from fingerspell.features import FeatureLayout, columns_to_landmarks, compute_features, input_landmark_names, selected_columns
from fingerspell.models import get_kind
from fingerspell.training.run import load_run
from fingerspell.vocab import write_character_map



class ExportModule(tf.Module):
    """Raw columns -> one row per character read. Tracks the Keras model's backing tf.Variables itself:
    a Keras 3 model merely held by a tf.Module would convert to a file without weights."""

    def __init__(self, model, config):
        super().__init__()
        self.config = config
        self.weights_to_keep = [v.value for v in model.variables]
        # reached through closures, not attributes: tracking the Keras model itself would make
        # SavedModel tracing call it without its frame mask
        self._model = lambda: model
        self.kind = get_kind(config.model)
        self.columns = selected_columns(config.lips)
        self.layout = FeatureLayout.from_names(input_landmark_names(config.lips), config.lips,
                                              config.palm_frame)

    def features(self, inputs):
        """inputs (frames, C) -> features (1, frames', F) and an all-true mask, never empty."""
        frames = tf.shape(inputs)[0]
        nan_row = tf.fill([1, len(self.columns)], float("nan"))
        # 0 frames would reach XNNPack as an empty tensor: run one empty frame (callers keep nothing)
        padded = tf.concat([inputs, nan_row], axis=0)[: tf.maximum(frames, 1)]
        features = compute_features(columns_to_landmarks(padded), self.layout, self.config.max_frames)[None]
        return features, tf.ones(tf.shape(features)[:2], tf.bool)

    def rows(self, inputs):
        """inputs (frames, C) -> float32 (k, 59): one row per character read, its argmax the character.

        CTC rows are the model's probabilities over the 59 characters at the step that emitted the
        character (the blank takes the rest of the mass), so a row's maximum is the model's confidence;
        seq2seq rows are one-hot. Scoring takes the argmax of each row either way."""
        has_frames = tf.shape(inputs)[0] > 0  # a 0-frame input ran one empty frame: it reads nothing
        features, mask = self.features(inputs)
        return self.kind.exported_rows(self._model(), features, mask, has_frames)

    def tokens(self, inputs):
        """inputs (frames, C) -> int32 (k,) characters."""
        return tf.argmax(self.rows(inputs), axis=1, output_type=tf.int32)

    def step_tokens(self, inputs):
        """inputs (frames, C) -> int32 (steps,): per CTC output step the character emitted there, -1 where
        none (blank or a repeat); step k covers frames [k, k + 1) * frames / steps. Empty for seq2seq."""
        features, mask = self.features(inputs)
        return self.kind.step_tokens(self._model(), features, mask, tf.shape(inputs)[0] > 0)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32, name=INPUT)])
    def serve(self, inputs):
        return {OUTPUT: self.rows(inputs)}


def convert(module: ExportModule, fp16: bool = False) -> bytes:
    """SavedModel (signature serving_default) -> .tflite bytes, builtin ops only."""
    with tempfile.TemporaryDirectory() as tmp:
        tf.saved_model.save(module, tmp, signatures={SIGNATURE: module.serve})
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp, signature_keys=[SIGNATURE])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if fp16:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


def export_run(run_dir, out_dir, fp16: bool = False, which: str = "best") -> dict:
    """Write model.tflite, inference_args.json and character_to_prediction_index.json."""
    config, model, meta = load_run(run_dir, which)
    module = ExportModule(model, config)
    flatbuffer = convert(module, fp16)
    if len(flatbuffer) > MAX_SIZE_BYTES:
        raise ValueError(f"{MODEL_FILE} would be {len(flatbuffer) / 2**20:.1f} MB, over the 40 MB limit; "
                         "try --fp16 or a smaller preset")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / (MODEL_FILE + ".tmp")
    staging.write_bytes(flatbuffer)
    staging.replace(out / MODEL_FILE)
    write_args(out, module.columns)
    write_character_map(out / CHARACTER_MAP_FILE)
    return {"model": str(out / MODEL_FILE), "bytes": len(flatbuffer), "fp16": fp16, "kind": config.model,
            "parameters": meta["parameters"], "columns": len(module.columns)}
