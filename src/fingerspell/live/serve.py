"""`fingerspell serve [--model MODEL] [--port 8000]`: read fingerspelling live in the browser, on 127.0.0.1 only.

The page (fingerspell/web/) runs MediaPipe Holistic and the exported model in the browser, so no frame leaves
the machine. This server only hands out files: the page, the pinned third-party assets that `setup-web`
fetched (web_assets.py), and the model converted for the browser (browser_model.py). The model is looked up
on every status request, so a model that is missing or not under the contract is reported on the page and
picked up once it is fixed, without a restart.
"""
from __future__ import annotations

import json
import mimetypes
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fingerspell.decoders.lm import BUNDLED_LM
from fingerspell.decoders.words import BUNDLED_LEXICON
from fingerspell.export.artifact import ARGS_FILE, CHARACTER_MAP_FILE, ONNX_FILE
from fingerspell.export.onnx import ContractError, browser_model, model_files
from fingerspell.live.assets import missing_packages

PAGE = Path(__file__).with_name("web")
HOST = "127.0.0.1"
# The page may load nothing but its own origin: a browser-enforced "no request leaves 127.0.0.1".
# 'wasm-unsafe-eval' lets it compile WebAssembly (MediaPipe, onnxruntime); MediaPipe's loaders also eval.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; "
                           "connect-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
                           "worker-src 'self' blob:; style-src 'self'; object-src 'none'; base-uri 'none'")
MODEL_FILES = (ONNX_FILE, ARGS_FILE, CHARACTER_MAP_FILE)


class ModelSource:
    """The export to serve: converted on first use and again whenever its files change."""

    def __init__(self, path: str | Path | None, root: Path):
        from fingerspell.inference import BUNDLED_MODEL
        self.path = Path(path) if path else BUNDLED_MODEL
        self.root = root
        self.lock = threading.Lock()
        self._seen = (None, None)  # (the files' stamp, the status it gave)

    def status(self) -> dict:
        """{"ok": True, "folder", "name", "source"} or {"ok": False, "reason"}; never raises on a bad model.
        The page asks every 2 s: while the files' size and time stay the same, the last answer stands (no
        re-hashing of the file, no reconversion of one that failed)."""
        with self.lock:
            stamp = self._stamp()
            if stamp is not None and stamp == self._seen[0]:
                return self._seen[1]
            try:
                folder = browser_model(self.path, self.root)
                status = {"ok": True, "folder": str(folder), "name": folder.name, "source": str(self.path)}
            except (ContractError, RuntimeError) as error:  # RuntimeError: the web extra is not installed
                status = {"ok": False, "reason": str(error)}
            self._seen = (stamp, status)
            return status

    def _stamp(self):
        """Size and modification time of the model and its column list, or None where either is missing."""
        try:
            return tuple((s.st_size, s.st_mtime_ns) for s in (f.stat() for f in model_files(self.path)))
        except (ContractError, OSError):
            return None


def make_handler(model: ModelSource, root: Path):
    vendor = (root / "vendor").resolve()

    class Handler(SimpleHTTPRequestHandler):
        model_source = model

        def log_message(self, format, *args):  # quiet: the page reports its own state
            pass

        def end_headers(self):
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            if path == "/model/status":
                return self._json(model.status())
            if path.startswith("/model/"):
                status = model.status()
                name = path.removeprefix("/model/")
                if not status["ok"] or name not in MODEL_FILES:
                    return self.send_error(HTTPStatus.NOT_FOUND, status.get("reason", "no such model file"))
                return self._file(Path(status["folder"]) / name)
            if path == "/lm/chars.fslm":  # the beam search's language model (web/reading.js)
                return self._file(BUNDLED_LM)
            if path == "/lm/words.txt":  # its lexicon
                return self._file(BUNDLED_LEXICON)
            if path.startswith("/vendor/"):
                return self._file(vendor / path.removeprefix("/vendor/"), inside=vendor)
            if path in ("/", "/index.html"):
                return self._file(PAGE / "index.html")
            return self._file(PAGE / path.lstrip("/"), inside=PAGE.resolve())

        def do_HEAD(self):
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

        def _json(self, data: dict):
            body = json.dumps(data).encode()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _file(self, path: Path, inside: Path | None = None):
            path = path.resolve()
            if inside is not None and inside not in path.parents or not path.is_file():
                return self.send_error(HTTPStatus.NOT_FOUND)
            body = path.read_bytes()
            kind = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                    ".onnx": "application/octet-stream"}.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind or "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def make_server(model_path: str | Path | None, root: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1:port (0 = any free port); raises if the page's assets are not set up."""
    missing = missing_packages(root)
    if missing:
        raise RuntimeError(f"the page's assets are not set up in {root} (missing {', '.join(missing)}): "
                           "run `fingerspell setup-web` once")
    server = ThreadingHTTPServer((HOST, port), make_handler(ModelSource(model_path, root), root))
    server.daemon_threads = True
    return server
