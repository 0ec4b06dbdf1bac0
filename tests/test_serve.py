"""The live page's server side: pinned assets, the model converted for the browser, the local-only server."""
import base64
import hashlib
import io
import json
import os
import shutil
import tarfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from fingerspell.export.onnx import ContractError, browser_model, check_sequences
from fingerspell.inference import BUNDLED_MODEL, LiteModel
from fingerspell.live.serve import make_server
from fingerspell.live.assets import (PACKAGES, NpmPackage, check_integrity, install, is_installed, missing_packages,
                                   web_dir)


def web_root() -> Path:
    """The assets `fingerspell setup-web` wrote (`make test` writes them to .web), or a skip."""
    root = web_dir()
    if missing_packages(root):
        if os.environ.get("CI"):
            raise RuntimeError(f"{root}: page assets missing; `make test` runs `fingerspell setup-web`")
        pytest.skip(f"page assets not set up in {root}: run `fingerspell setup-web`")
    return root


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_install_keeps_only_listed_files_and_refuses_a_tampered_or_incomplete_tarball(tmp_path):
    tarball = _tarball({"dist/app.js": b"ok()", "dist/app.wasm": b"\0asm", "../../escape.js": b"evil",
                        "README.md": b"readme"})
    package = NpmPackage("@scope/demo", "1.0.0", _integrity(tarball), "demo", ("dist/app.js", "dist/app.wasm"))
    target = install(package, tmp_path, fetch=lambda url: tarball)
    assert sorted(p.name for p in target.iterdir()) == ["app.js", "app.wasm", "installed.json"]
    assert (target / "app.js").read_bytes() == b"ok()" and not (tmp_path.parent / "escape.js").exists()
    assert package.tarball_url.endswith("/@scope/demo/-/demo-1.0.0.tgz")

    newer = NpmPackage("@scope/demo", "1.0.1", _integrity(tarball), "demo", ("dist/app.js",))
    with pytest.raises(ValueError, match="integrity mismatch"):
        install(newer, tmp_path, fetch=lambda url: tarball + b"x")
    incomplete = NpmPackage("@scope/demo", "1.0.2", _integrity(tarball), "demo", ("dist/missing.js",))
    with pytest.raises(ValueError, match="lacks"):
        install(incomplete, tmp_path, fetch=lambda url: tarball)
    # the installed version survives both refusals intact
    assert (target / "app.js").read_bytes() == b"ok()"
    assert json.loads((target / "installed.json").read_text())["version"] == "1.0.0"


def test_install_writes_files_derived_from_the_package_and_a_failed_one_changes_nothing(tmp_path):
    tarball = _tarball({"graph.bin": b"graph"})
    derived = (("upper.bin", "graph.bin", bytes.upper),)
    package = NpmPackage("@scope/demo", "1.0.0", _integrity(tarball), "demo", ("graph.bin",), derived)
    target = install(package, tmp_path, fetch=lambda url: tarball)
    assert (target / "upper.bin").read_bytes() == b"GRAPH"
    assert json.loads((target / "installed.json").read_text())["derived"] == ["upper.bin"]
    # a derived file that this version would make otherwise (an older fingerspell's) is made again
    (target / "upper.bin").write_bytes(b"made by an older fingerspell")
    assert not is_installed(package, tmp_path)
    assert (install(package, tmp_path, fetch=lambda url: tarball) / "upper.bin").read_bytes() == b"GRAPH"

    def refuse(data: bytes) -> bytes:
        raise ValueError("graph.bin: not the pinned graph")
    broken = NpmPackage("@scope/demo", "1.0.1", _integrity(tarball), "demo", ("graph.bin",),
                        (("upper.bin", "graph.bin", refuse),))
    with pytest.raises(ValueError, match="@scope/demo@1.0.1: graph.bin: not the pinned graph"):
        install(broken, tmp_path, fetch=lambda url: tarball)
    assert (target / "upper.bin").read_bytes() == b"GRAPH"  # the installed version is intact
    assert json.loads((target / "installed.json").read_text())["version"] == "1.0.0"


def test_pinned_packages_carry_sha512_integrity():
    for package in PACKAGES:
        assert package.integrity.startswith("sha512-") and len(base64.b64decode(package.integrity[7:])) == 64
    with pytest.raises(ValueError, match="integrity mismatch"):
        check_integrity(b"data", PACKAGES[0].integrity, "x")


def test_bundled_model_converts_for_the_browser_and_matches_litert(tmp_path):
    import onnxruntime as ort
    root = web_root()
    folder = browser_model(BUNDLED_MODEL, root)
    assert json.loads((folder / "check.json").read_text())["max_abs_difference"] <= 1e-4
    lite = LiteModel(BUNDLED_MODEL)
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(3)
    phrase = check_sequences(lite.columns)[0]
    lost = phrase.copy()
    lost[rng.random(len(lost)) < 0.5, :] = np.nan  # hands lost in half the frames, at random
    for inputs in (phrase, lost):
        expected = lite.runner(inputs=inputs)["outputs"]
        got = session.run(None, {session.get_inputs()[0].name: inputs})[0]
        assert expected.shape == got.shape and expected.shape[0] > 0
        np.testing.assert_allclose(got, expected, atol=1e-4)


@pytest.mark.slow
def test_a_seq2seq_export_converts_for_the_browser_too(tiny_store, tmp_path_factory, tmp_path):
    """Any export, not only the bundled CTC model: the notebook's seq2seq, whose greedy decoding is a loop."""
    from conftest import export_tiny
    pytest.importorskip("tf2onnx", reason="the web extra converts models for the browser")
    export = export_tiny("seq2seq", tiny_store, tmp_path_factory)[2]
    folder = browser_model(export, tmp_path)  # a fresh cache: converted and checked against LiteRT here
    assert json.loads((folder / "check.json").read_text())["max_abs_difference"] <= 1e-4
    assert sorted(p.name for p in folder.iterdir()) == ["character_to_prediction_index.json", "check.json",
                                                         "inference_args.json", "model.onnx"]


def test_a_file_that_is_not_a_model_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ContractError, match="no such model file"):
        browser_model(tmp_path / "nothing", tmp_path)
    (tmp_path / "run" / "best").mkdir(parents=True)
    (tmp_path / "run" / "best" / "checkpoint").write_text("")
    with pytest.raises(ContractError, match="fingerspell export"):
        browser_model(tmp_path / "run", tmp_path)
    (tmp_path / "model.tflite").write_bytes(b"not a flatbuffer")
    with pytest.raises(ContractError, match="inference_args.json"):
        browser_model(tmp_path, tmp_path)
    (tmp_path / "inference_args.json").write_text(json.dumps({"selected_columns": ["x_right_hand_0"]}))
    with pytest.raises(ContractError):
        browser_model(tmp_path, tmp_path)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_server_is_local_serves_the_page_and_reports_a_missing_model_until_it_appears(tmp_path):
    root = web_root()
    models = tmp_path / "export"
    server = make_server(models, root, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address
        assert host == "127.0.0.1"
        url = f"http://127.0.0.1:{port}"
        status, headers, body = _get(url + "/")
        assert status == 200 and b"app.js" in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert _get(url + "/vendor/ort/ort.wasm.min.js")[0] == 200
        for escape in ("/vendor/../../../etc/passwd", "/vendor/%2e%2e/%2e%2e/etc/passwd", "/../serve.py",
                       "/model/../serve.py"):
            assert _get(url + escape)[0] == 404, escape
        status = json.loads(_get(url + "/model/status")[2])
        assert not status["ok"] and "no such model file" in status["reason"] and str(models) in status["reason"]
        assert _get(url + "/model/model.onnx")[0] == 404
        shutil.copytree(BUNDLED_MODEL, models)  # the model appears: served without a restart
        status = json.loads(_get(url + "/model/status")[2])
        assert status["ok"], status
        code, _, onnx_bytes = _get(url + "/model/model.onnx")
        assert code == 200 and onnx_bytes == (Path(status["folder"]) / "model.onnx").read_bytes()
    finally:
        server.shutdown()
        server.server_close()


def test_server_refuses_to_start_without_the_page_assets(tmp_path):
    with pytest.raises(RuntimeError, match="setup-web"):
        make_server(None, tmp_path / "empty", port=0)


def test_serve_command_prints_its_local_address_and_serves_the_page():
    import subprocess
    import sys
    root = web_root()
    process = subprocess.Popen([sys.executable, "-m", "fingerspell", "serve", "--port", "0", "--dir", str(root)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "fingerspell live on" in line:
                break
        address = lines[-1].split("fingerspell live on ")[1].split()[0]
        assert address.startswith("http://127.0.0.1:") and any("model:" in line for line in lines), lines
        status, _, body = _get(address)
        assert status == 200 and b"app.js" in body
        assert json.loads(_get(address + "model/status")[2])["ok"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_model_status_is_reworked_only_when_the_model_files_change(tmp_path, monkeypatch):
    """The page asks every 2 s: a broken export is not reconverted, a good one not re-hashed, each time."""
    import fingerspell.live.serve as serve
    calls = []
    real = serve.browser_model
    monkeypatch.setattr(serve, "browser_model", lambda *args: calls.append(args) or real(*args))
    export = tmp_path / "export"
    export.mkdir()
    (export / "model.tflite").write_bytes(b"not a flatbuffer")
    (export / "inference_args.json").write_text(json.dumps({"selected_columns": ["x_right_hand_0"]}))
    source = serve.ModelSource(export, tmp_path / "root")
    first, second = source.status(), source.status()
    assert not first["ok"] and second == first and len(calls) == 1
    (export / "model.tflite").write_bytes(b"still not a flatbuffer, but another one")
    assert not source.status()["ok"] and len(calls) == 2


def test_the_page_and_its_workers_use_the_layout_of_landmarks_py():
    """web/layout.js (the page's and the workers' one copy of the frame layout) says what landmarks.py says."""
    import re
    from fingerspell.layout import NUM_LANDMARKS, PART_OFFSET, PARTS
    from fingerspell.live.serve import PAGE
    text = (PAGE / "layout.js").read_text()
    parts = {name: (int(start), int(count))
             for name, start, count in re.findall(r"(\w+): \[(\d+), (\d+)\]", text.split("const PARTS")[1])}
    assert parts == {name: (PART_OFFSET[name], count) for name, count in PARTS}
    assert int(re.search(r"const LANDMARKS = (\d+);", text).group(1)) == NUM_LANDMARKS
    for script in ("app.js", "detector.js"):  # neither defines its own
        assert "const PARTS" not in (PAGE / script).read_text(), script
