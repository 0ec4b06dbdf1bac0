"""`fingerspell setup-web` and `fingerspell serve`: the live page, reading the webcam in a local browser."""
from __future__ import annotations

import argparse
import json

ASSETS_HELP = "the assets of `setup-web` (default: $FINGERSPELL_WEB_DIR or ~/.cache/fingerspell/web)"


def add_to(sub) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    p = sub.add_parser("setup-web", help="fetch the live page's pinned assets (MediaPipe, onnxruntime-web) once",
                       formatter_class=fmt)
    p.add_argument("--dir", help="where to keep them (default: $FINGERSPELL_WEB_DIR or ~/.cache/fingerspell/web)")
    p.set_defaults(func=setup_web)
    p = sub.add_parser("serve", help="read fingerspelling live from the webcam in a local browser page",
                       formatter_class=fmt)
    p.add_argument("--model", help="an export (folder or model.tflite); default: the bundled model")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    p.add_argument("--dir", help=ASSETS_HELP)
    p.set_defaults(func=serve)


def setup_web(args) -> int:
    from fingerspell.export.artifact import MODEL_FILE
    from fingerspell.export.onnx import browser_model
    from fingerspell.inference import BUNDLED_MODEL
    from fingerspell.live.assets import PACKAGES, install, web_dir
    root = web_dir(args.dir)
    for package in PACKAGES:
        print(f"{package.name}@{package.version}: {install(package, root)} (integrity checked)")
    if (BUNDLED_MODEL / MODEL_FILE).is_file():
        folder = browser_model(BUNDLED_MODEL, root)
        check = json.loads((folder / "check.json").read_text())
        print(f"bundled model for the browser: {folder} (ONNX vs LiteRT: {check['max_abs_difference']:.1e})")
    print(f"page assets ready in {root}: `fingerspell serve` shows the page")
    return 0


def serve(args) -> int:
    from fingerspell.live.assets import web_dir
    from fingerspell.live.serve import make_server
    server = make_server(args.model, web_dir(args.dir), args.port)
    handler_model = server.RequestHandlerClass.model_source
    print("converting the model for the browser (once per model)...", flush=True)
    status = handler_model.status()
    print(f"model: {status['source']}" if status["ok"] else f"model: not servable yet: {status['reason']} "
          "(the page says so and picks the model up once it is fixed)", flush=True)
    print(f"fingerspell live on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
