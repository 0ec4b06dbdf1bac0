"""The browser page's third-party assets, fetched once from the npm registry and pinned by integrity hash.

`fingerspell setup-web` downloads each package's tarball, checks it against the sha512 integrity that the
registry published for that exact version (the hash npm's lockfiles pin), and keeps only the files the page
loads, under WEB_DIR/vendor/<name>/. The page then loads everything from 127.0.0.1: no CDN at run time and no
Node.js, ever. Python does the fetch itself, so set-up needs no npm either.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from fingerspell.live.holistic_graph import without_face

DEFAULT_WEB_DIR = Path.home() / ".cache" / "fingerspell" / "web"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmPackage:
    name: str  # the registry name, e.g. "@mediapipe/holistic"
    version: str
    integrity: str  # "sha512-<base64>", as `npm view NAME@VERSION dist.integrity` prints it
    folder: str  # WEB_DIR/vendor/<folder>
    files: tuple[str, ...]  # paths inside the tarball's package/ folder that the page loads
    # files made at set-up from the package's own: (name, from file, bytes -> bytes)
    derived: tuple[tuple[str, str, Callable[[bytes], bytes]], ...] = ()

    @property
    def tarball_url(self) -> str:
        registry = os.environ.get("FINGERSPELL_NPM_REGISTRY", REGISTRY).rstrip("/")
        return f"{registry}/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"


def _solution_files(name: str, models: tuple[str, ...]) -> tuple[str, ...]:
    """A legacy MediaPipe solution: its script, graph, packed assets and both wasm builds, plus the model
    files it loads at our options (model_complexity 1, as the Python extractor)."""
    wasm = [f"{name}_solution{simd}_wasm_bin.{ext}" for simd in ("", "_simd") for ext in ("js", "wasm")]
    return (f"{name}.js", f"{name}.binarypb", f"{name}_solution_packed_assets.data",
            f"{name}_solution_packed_assets_loader.js", f"{name}_solution_simd_wasm_bin.data", *wasm, *models,
            "package.json")


PACKAGES = (
    # Holistic carries its models in the tarball; the Python extractor's MediaPipe 0.10.21 is the same
    # legacy solution. Apache-2.0.
    NpmPackage("@mediapipe/holistic", "0.5.1675471629",
               "sha512-qY+cxtDeSOvVtevrLgnodiwXYaAtPi7dHZtNv/bUCGEjFicAOYtMmrZSqMmbPkTB2+4jLnPF1vgshkAqQRSYAw==",
               "holistic", _solution_files("holistic", ("pose_landmark_full.tflite",)),
               # the same graph without the face, for models that read none (holistic_graph.py)
               derived=(("holistic_without_face.binarypb", "holistic.binarypb", without_face),)),
    # where Holistic finds no hand (a close-up without a body), the extractor asks Hands: so does the page
    NpmPackage("@mediapipe/hands", "0.4.1675469240",
               "sha512-GxoZvL1mmhJxFxjuyj7vnC++JIuInGznHBin5c7ZSq/RbcnGyfEcJrkM/bMu5K1Mz/2Ko+vEX6/+wewmEHPrHg==",
               "hands", _solution_files("hands", ("hand_landmark_full.tflite",))),
    # runs the exported model (converted to ONNX: the LiteRT web runtimes refuse a dynamic frame count).
    # MIT. The plain wasm build, one thread: no cross-origin isolation needed.
    NpmPackage("onnxruntime-web", "1.30.0",
               "sha512-q0y+JrrtukXSzsBWEMccVfqX25LRmosXHF+CaRJmg8pZClzcV7svNc4rKY3jL02Vb7QmRMDs1SigqR4CXAfKYQ==",
               "ort", ("dist/ort.wasm.min.js", "dist/ort-wasm-simd-threaded.wasm",
                       "dist/ort-wasm-simd-threaded.mjs", "package.json")),
)
MARKER = "installed.json"  # written last: which package, version and integrity the folder holds


def web_dir(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get("FINGERSPELL_WEB_DIR") or DEFAULT_WEB_DIR)


def check_integrity(data: bytes, integrity: str, what: str) -> None:
    """Raise unless `data` has the npm integrity `sha512-<base64>`."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise ValueError(f"{what}: unsupported integrity {integrity!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise ValueError(f"{what}: integrity mismatch: expected sha512-{expected}, got sha512-{actual}; "
                         "refusing to install it")


def unpack(tarball: bytes, package: NpmPackage, target: Path) -> None:
    """Write `package.files` from the tarball under `target` (flat names); nothing else leaves the archive."""
    wanted = {f"package/{name}": Path(name).name for name in package.files}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.name in wanted and member.isfile():
                (target / wanted.pop(member.name)).write_bytes(archive.extractfile(member).read())
    if wanted:
        raise ValueError(f"{package.name}@{package.version}: tarball lacks {sorted(wanted)}")


def is_installed(package: NpmPackage, root: Path) -> bool:
    """The folder holds this package, and files derived from it as this version of fingerspell makes them."""
    folder = root / "vendor" / package.folder
    try:
        return (json.loads((folder / MARKER).read_text()) == _record(package)
                and all((folder / name).read_bytes() == make((folder / source).read_bytes())
                        for name, source, make in package.derived))
    except (OSError, ValueError):
        return False


def install(package: NpmPackage, root: Path, fetch=None) -> Path:
    """Fetch, verify and unpack one package into root/vendor/<folder>, replacing an older one atomically."""
    target = root / "vendor" / package.folder
    if is_installed(package, root):
        return target
    fetch = fetch or _download
    tarball = fetch(package.tarball_url)
    check_integrity(tarball, package.integrity, f"{package.name}@{package.version} ({package.tarball_url})")
    with staged_folder(target) as staging:
        unpack(tarball, package, staging)
        for name, source, make in package.derived:
            try:
                (staging / name).write_bytes(make((staging / source).read_bytes()))
            except ValueError as error:
                raise ValueError(f"{package.name}@{package.version}: {error}") from error
        (staging / MARKER).write_text(json.dumps(_record(package)))
    return target


@contextlib.contextmanager
def staged_folder(target: Path):
    """A fresh folder beside `target` to fill: it replaces `target` whole if the block succeeds, and is
    removed if it fails, so `target` is never half written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _record(package: NpmPackage) -> dict:
    return {"name": package.name, "version": package.version, "integrity": package.integrity,
            "files": list(package.files),
            **({"derived": [name for name, _, _ in package.derived]} if package.derived else {})}


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read()
    except OSError as error:
        raise RuntimeError(f"could not download {url}: {error}; set FINGERSPELL_NPM_REGISTRY to a mirror "
                           "of the npm registry if this machine cannot reach it") from error


def missing_packages(root: Path) -> list[str]:
    return [f"{p.name}@{p.version}" for p in PACKAGES if not is_installed(p, root)]

