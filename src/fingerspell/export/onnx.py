"""An exported .tflite made runnable in the browser: converted to ONNX, checked against LiteRT, cached.

The LiteRT web runtimes refuse a dynamic frame count, so the page runs the export with onnxruntime-web
after `tf2onnx` has converted the very same file (no second copy of the model or its features). The
conversion is checked, not trusted: the ONNX model must give LiteRT's `outputs` (<= 1e-4) on a synthetic
sequence with undetected frames, and nothing on 0 frames, or it is refused.

A CTC export's per-step probabilities (what the page's beam search reads: LiteModel.step_probabilities
finds them inside the file) become a second ONNX output, checked against LiteRT's the same way; the first
output stays `outputs`, so the .tflite and its contract are untouched.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from fingerspell.export import artifact
from fingerspell.export.artifact import ARGS_FILE, CHARACTER_MAP_FILE, INPUT, ONNX_FILE, OUTPUT
from fingerspell.training import checkpoint
from fingerspell.vocab import NUM_CHARACTERS
from fingerspell.live.assets import staged_folder

OPSET = 17
CONVERSION = b"2: outputs, then the per-step probabilities"  # part of the cache key: older conversions redo
TOLERANCE = 1e-4
CHECK_PHRASE = "3 creekhouse"


class ContractError(ValueError):
    """The file is not a model under the competition contract (or does not convert faithfully)."""


def model_files(path: str | Path) -> tuple[Path, Path]:
    """(model.tflite, inference_args.json) of an export folder or file, or a ContractError saying what lacks."""
    path = Path(path)
    model = artifact.model_file(path)
    args = model.parent / ARGS_FILE
    if not model.is_file():
        hint = (f" (a training run: `fingerspell export {path} -o EXPORT_DIR` first, then serve EXPORT_DIR)"
                if checkpoint.exists(path, "best") else "")
        raise ContractError(f"{model}: no such model file{hint}")
    if not args.is_file():
        raise ContractError(f"{model}: no {ARGS_FILE} beside it (the contract's column list)")
    return model, args


def cache_key(model: Path, args: Path) -> str:
    digest = hashlib.sha256(model.read_bytes())
    digest.update(args.read_bytes())
    digest.update(CONVERSION)
    return digest.hexdigest()[:24]


def _keep_nan_in_selects(graph, ops):
    """tf2onnx writes a float select as cond * x + (1 - cond) * y unless it sees a NaN test feeding it; our
    features select around NaN landmarks (NaN * 0 is NaN), so every select becomes a real ONNX Where."""
    for op in ops:
        if op.type in ("Select", "SelectV2"):
            op.set_attr("handles_nan", True)
    return ops


def convert(model: Path, out: Path, outputs: list[str] | None = None) -> None:
    """model.tflite -> ONNX file `out` whose outputs are the file's tensors `outputs` (None: the file's own
    outputs); ContractError if tf2onnx cannot convert it."""
    try:
        import tf2onnx
    except ModuleNotFoundError as error:
        raise RuntimeError("the browser page needs tf2onnx to convert the model: pip install "
                           "'fingerspell[web]'") from error
    import logging
    import warnings
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings():  # tf2onnx reads the file with tf.lite.Interpreter, which warns it is deprecated
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated", category=UserWarning)
        try:
            tf2onnx.convert.from_tflite(str(model), opset=OPSET, custom_rewriter=[_keep_nan_in_selects],
                                        output_names=outputs, output_path=str(out))
        except (ValueError, RuntimeError, KeyError) as error:
            raise ContractError(f"{model}: could not convert it for the browser ({error})") from error


def check_sequences(columns: list[str]) -> list[np.ndarray]:
    """Inputs (frames, len(columns)) the conversion must agree on: a synthetic phrase, the same with hands
    lost in a third of its frames, one frame, and none."""
    from fingerspell.inference import to_columns
    from fingerspell.synth.render import make_signer, render_sequence
    rng = np.random.default_rng(7)
    frames = render_sequence(CHECK_PHRASE, make_signer(rng, 1), rng)
    phrase = to_columns(frames, columns)
    lost = phrase.copy()
    lost[::3] = np.nan
    return [phrase, lost, phrase[:1], phrase[:0]]


def check(lite, onnx_file: Path) -> float:
    """Largest |ONNX - LiteRT| over check_sequences, `lite` the export on LiteRT; raises ContractError if
    any differ in shape or by more than TOLERANCE."""
    import onnxruntime as ort
    model = lite.model_file
    try:
        session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own types for a graph the converter got wrong
        raise ContractError(f"{model}: the converted model does not load ({str(error)[:300]})") from error
    name = session.get_inputs()[0].name
    worst = 0.0
    for inputs in check_sequences(lite.columns):
        expected = lite.runner(**{INPUT: inputs})[OUTPUT]
        try:
            got, *steps = session.run(None, {name: inputs})
        except Exception as error:
            raise ContractError(f"{model}: the converted model fails on a {len(inputs)}-frame input "
                                f"({str(error)[:300]})") from error
        if expected.shape != got.shape:
            raise ContractError(f"{model}: converted model gives outputs {got.shape}, LiteRT {expected.shape} "
                                f"on a {len(inputs)}-frame input")
        if expected.size:
            worst = max(worst, float(np.abs(expected - got).max()))
        if steps and len(inputs):  # (0 frames run one empty frame: the page reads nothing there)
            worst = max(worst, _steps_difference(lite, inputs, steps[0]))
    if worst > TOLERANCE:
        raise ContractError(f"{model}: converted model differs from LiteRT by {worst:.2e} (> {TOLERANCE})")
    return worst


def _steps_difference(lite, inputs: np.ndarray, got: np.ndarray) -> float:
    expected = lite.step_probabilities(inputs)
    if expected is None or expected.shape != got.shape:
        raise ContractError(f"{lite.model_file}: converted model gives per-step probabilities "
                            f"{got.shape}, LiteRT {None if expected is None else expected.shape}")
    return float(np.abs(expected - got).max()) if expected.size else 0.0


def browser_outputs(lite) -> list[str] | None:
    """The tensors the page needs: `outputs`, then the per-step probabilities where the file has them (a
    CTC export); None (the file's own outputs) otherwise."""
    lite.step_probabilities(check_sequences(lite.columns)[0])
    if lite.steps_tensor is None:
        return None
    return [lite.runner.get_output_details()[OUTPUT]["name"], lite.steps_tensor]


def contract_model(model: Path, args: Path):
    """The export on LiteRT (a LiteModel), after checking its column list, signature and output width;
    ContractError otherwise."""
    from fingerspell.inference import LiteModel
    try:  # read here first, so that a broken column list is named as such
        artifact.read_columns(args)
    except (ValueError, KeyError, TypeError) as error:
        raise ContractError(f"{args}: not a valid inference_args.json ({error})") from error
    try:
        lite = LiteModel(model)
    except ValueError as error:
        raise ContractError(str(error)) from error
    details = lite.runner.get_output_details()
    shape = details.get(OUTPUT, {}).get("shape_signature", ())
    if OUTPUT not in details or len(shape) != 2 or shape[-1] != NUM_CHARACTERS:
        raise ContractError(f"{model}: output '{OUTPUT}' must be [characters, {NUM_CHARACTERS}], "
                            f"found {dict((k, list(v['shape_signature'])) for k, v in details.items())}")
    return lite


def browser_model(path: str | Path, root: Path) -> Path:
    """The folder (model.onnx, inference_args.json, character_to_prediction_index.json, check.json) of the
    export at `path`, converted and checked once per content under root/models/; ContractError if the
    export cannot be served."""
    model, args = model_files(path)
    target = root / "models" / cache_key(model, args)
    if (target / "check.json").is_file():
        return target
    lite = contract_model(model, args)
    with staged_folder(target) as staging:
        outputs = browser_outputs(lite)
        convert(model, staging / ONNX_FILE, outputs)
        worst = check(lite, staging / ONNX_FILE)
        shutil.copy(args, staging / ARGS_FILE)
        chars = model.parent / CHARACTER_MAP_FILE
        if chars.is_file():
            shutil.copy(chars, staging / chars.name)
        else:
            from fingerspell.vocab import write_character_map
            write_character_map(staging / chars.name)
        (staging / "check.json").write_text(json.dumps({"source": str(model), "max_abs_difference": worst,
                                                        "columns": len(lite.columns),
                                                        "step_probabilities": outputs is not None}))
    return target
