"""Raw YUV4MPEG2 (.y4m) clips: what Chromium's fake camera plays (--use-file-for-fake-video-capture).

The live page's tests and benchmark feed it a real clip, decoded once by ffmpeg (imageio-ffmpeg's binary),
cut to some frames, with frames of no hand (black) after them so that the page ends the phrase, and at a
slow frame rate so that the page reads every frame once. `fingerspell extract` reads the same file, so both
see the same pixels.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np


def decode(video: str | Path, frames: int, start: int = 0, width: int | None = None) -> tuple[bytes, list[bytes]]:
    """Frames [start, start + frames) of any video as 4:2:0 y4m, scaled to `width` if given: (header, frames)."""
    import imageio_ffmpeg
    filters = [f"select=gte(n\\,{start})"] + ([f"scale={width}:-2"] if width else [])
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-vf",
                             ",".join(filters), "-frames:v", str(frames), "-pix_fmt", "yuv420p",
                             "-f", "yuv4mpegpipe", "-"], capture_output=True, check=True)
    header, _, body = result.stdout.partition(b"\n")
    tags = dict((t[:1], t[1:]) for t in header.split()[1:])
    size = int(tags[b"W"]) * int(tags[b"H"]) * 3 // 2
    raw, at = [], 0
    while at < len(body):
        start = body.index(b"\n", at) + 1  # "FRAME[ params]\n"
        raw.append(body[start:start + size])
        at = start + size
    return header, raw


def write(video: str | Path, out: str | Path, frames: int, fps: int, start: int = 0, width: int | None = None,
          blank_before: int = 0, blank_after: int = 0) -> Path:
    """`out`: `blank_before` black frames, the video's frames [start, start + frames) (scaled to `width`),
    then `blank_after` black frames, at `fps` frames/s."""
    header, raw = decode(video, frames, start, width)
    tags = [t for t in header.split()[1:] if not t.startswith(b"F")]
    size = {t[:1]: int(t[1:]) for t in tags if t[:1] in (b"W", b"H")}
    width, height = size[b"W"], size[b"H"]
    black = np.concatenate([np.full(width * height, 16, np.uint8),  # limited-range black: Y 16, U = V = 128
                            np.full(width * height // 2, 128, np.uint8)]).tobytes()
    out = Path(out)
    with open(out, "wb") as f:
        f.write(b" ".join([b"YUV4MPEG2", *tags, f"F{fps}:1".encode()]) + b"\n")
        for frame in [black] * blank_before + raw + [black] * blank_after:
            f.write(b"FRAME\n" + frame)
    return out
