"""Pictures: training curves, landmark animations and contact sheets (matplotlib only, no MediaPipe)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from fingerspell.layout import PART_OFFSET, POSE_ARM_POINTS, part_indices, part_slice

# MediaPipe's 21-point hand skeleton (HAND_CONNECTIONS), the arms from the pose, and the face oval.
HAND_CONNECTIONS = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
                    (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19),
                    (19, 20))
ARM_CONNECTIONS = ((11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (15, 17), (15, 19), (15, 21), (17, 19),
                   (16, 18), (16, 20), (16, 22), (18, 20), (11, 23), (12, 24), (23, 24))
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 10)
HAND_COLOURS = {"left_hand": "tab:orange", "right_hand": "tab:blue"}


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_progress(metrics_csv: str | Path, png: str | Path) -> None:
    """Loss (train, val) and val score against step, written atomically to `png`."""
    plt = _pyplot()
    table = pd.read_csv(metrics_csv)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    if table.train_loss.notna().any():
        left.plot(table.step, table.train_loss, label="train loss")
    left.plot(table.step, table.val_loss, label="val loss")
    left.set_xlabel("step"), left.set_ylabel("loss"), left.legend()
    right.plot(table.step, table.val_score, color="tab:green", label="val score (N - D) / N")
    right.set_xlabel("step"), right.set_ylim(min(0.0, table.val_score.min()), 1.0), right.legend()
    figure.tight_layout()
    _save(figure, png)


def _save(figure, path) -> None:
    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    figure.savefig(tmp, dpi=90)
    _pyplot().close(figure)
    os.replace(tmp, path)


def dominant_hand(frames: np.ndarray) -> str:
    """"left_hand" or "right_hand": the one detected in more frames (ties: right), as the features decide."""
    seen = {p: int(np.isfinite(frames[:, PART_OFFSET[p], 0]).sum()) for p in ("left_hand", "right_hand")}
    return "left_hand" if seen["left_hand"] > seen["right_hand"] else "right_hand"


def hand_view(frames: np.ndarray, part: str) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The hand's 21 points per frame relative to its own wrist (so its shape, not its travel, is drawn
    large) and one square box that holds it in every frame."""
    hand = frames[:, part_slice(part), :2]
    local = hand - hand[:, :1]
    seen = np.isfinite(local[:, :, 0]).all(axis=1)
    if not seen.any():
        return local, (-1.0, 1.0, -1.0, 1.0)
    centre = np.median(local[seen].mean(axis=1), axis=0)
    # most frames' extent, not the largest: one mislabelled or wild frame must not shrink every other one
    reach = 1.1 * float(np.percentile(np.abs(local[seen] - centre).max(axis=(1, 2)), 90)) + 1e-6
    return local, (centre[0] - reach, centre[0] + reach, centre[1] - reach, centre[1] + reach)


class HandDrawer:
    """The signing hand alone, large, in its own axis; the character the model read is written in it."""

    def __init__(self, axis, box, colour):
        self.axis = axis
        axis.set_xlim(box[0], box[1]), axis.set_ylim(box[3], box[2])
        axis.set_aspect("equal"), axis.set_xticks([]), axis.set_yticks([])
        self.lines = [axis.plot([], [], color=colour, lw=3)[0] for _ in HAND_CONNECTIONS]
        self.points, = axis.plot([], [], "o", color=colour, ms=4)
        self.tips, = axis.plot([], [], "o", color="black", ms=5)
        self.label = axis.text(0.04, 0.96, "", transform=axis.transAxes, fontsize=16, va="top", weight="bold")
        self.status = axis.text(0.5, 0.5, "", transform=axis.transAxes, ha="center", color="red", fontsize=9)

    def draw(self, hand: np.ndarray, label: str = ""):
        for line, (a, b) in zip(self.lines, HAND_CONNECTIONS):
            line.set_data(hand[[a, b], 0], hand[[a, b], 1])
        self.points.set_data(hand[:, 0], hand[:, 1])
        self.tips.set_data(hand[[4, 8, 12, 16, 20], 0], hand[[4, 8, 12, 16, 20], 1])
        self.label.set_text(label)
        self.status.set_text("" if np.isfinite(hand).all() else "hand not detected")
        return [*self.lines, self.points, self.tips, self.label, self.status]


def _view_box(frames: np.ndarray) -> tuple[float, float, float, float]:
    """x/y limits around everything detected (hands, arms, face), with a margin."""
    keep = np.r_[part_slice("face"), part_slice("left_hand"), part_indices("pose", POSE_ARM_POINTS),
                 part_slice("right_hand")]
    xy = frames[:, keep, :2].reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        return 0.0, 1.0, 0.0, 1.0
    low, high = xy.min(axis=0), xy.max(axis=0)
    margin = 0.08 * (high - low).max() + 0.02
    return low[0] - margin, high[0] + margin, low[1] - margin, high[1] + margin


class SkeletonDrawer:
    """Draws one frame of (543, 3) landmarks on an axis; reused across frames of an animation."""

    def __init__(self, axis, box):
        self.axis = axis
        axis.set_xlim(box[0], box[1]), axis.set_ylim(box[3], box[2])  # image y points down
        axis.set_aspect("equal"), axis.set_xticks([]), axis.set_yticks([])
        self.face, = axis.plot([], [], color="0.6", lw=1)
        self.arms = [axis.plot([], [], color="0.35", lw=2)[0] for _ in ARM_CONNECTIONS]
        self.hands = {part: [axis.plot([], [], color=c, lw=2)[0] for _ in HAND_CONNECTIONS]
                      for part, c in HAND_COLOURS.items()}
        self.points = {part: axis.plot([], [], "o", color=c, ms=2.5)[0] for part, c in HAND_COLOURS.items()}
        self.status = axis.text(0.02, 0.02, "", transform=axis.transAxes, fontsize=7, color="red", va="bottom")

    def draw(self, frame: np.ndarray):
        face = frame[PART_OFFSET["face"] + np.array(FACE_OVAL)]
        self.face.set_data(face[:, 0], face[:, 1])
        pose = frame[part_slice("pose")]
        for line, (a, b) in zip(self.arms, ARM_CONNECTIONS):
            line.set_data(pose[[a, b], 0], pose[[a, b], 1])
        missing = []
        for part in HAND_COLOURS:
            hand = frame[part_slice(part)]
            if not np.isfinite(hand[:, :2]).all():
                missing.append(part.replace("_", " "))
            for line, (a, b) in zip(self.hands[part], HAND_CONNECTIONS):
                line.set_data(hand[[a, b], 0], hand[[a, b], 1])
            self.points[part].set_data(hand[:, 0], hand[:, 1])
        self.status.set_text("no " + " / ".join(m.split()[0] for m in missing) + " hand" if missing else "")
        for spine in self.axis.spines.values():  # a red frame marks a frame without both hands
            spine.set_color("red" if len(missing) == 2 else "0.8")
            spine.set_linewidth(2.5 if len(missing) == 2 else 1)
        return [self.face, *self.arms, *sum(self.hands.values(), []), *self.points.values(), self.status]


def show(frames: np.ndarray, out: str | Path, title: str = "", fps: int = 15, panels: int = 12,
         aspect: float | None = None, labels: list[str] | None = None, every: int = 1) -> Path:
    """Write an animation (.gif, .mp4) or a contact sheet of evenly spaced frames (.png) of
    `frames` (n, 543, 3): the body on the left, the signing hand large on the right.

    aspect: the image's width / height where known (extracted video), so that x and y, each normalised
    by its own image side, are drawn to the same scale; labels: per frame, what to write in the hand panel
    (e.g. the character the model read there); every: an animation draws every n-th frame only (drawing
    is most of its time)."""
    out = Path(out)
    if len(frames) == 0:
        raise ValueError("the sequence has no frames to show")
    frames = np.array(frames, dtype=np.float32)
    if aspect:
        frames[..., 0] *= aspect
    labels = labels if labels is not None else [""] * len(frames)
    suffix = out.suffix.lower()
    if suffix == ".png":
        return _contact_sheet(frames, out, title, panels, labels)
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"{out}: write .gif, .mp4 or .png")
    from matplotlib import animation
    plt = _pyplot()
    figure, (axis, hand_axis) = plt.subplots(1, 2, figsize=(7.6, 4.6), gridspec_kw={"width_ratios": [1, 1.2]})
    figure.suptitle(title, fontsize=9)
    drawer = SkeletonDrawer(axis, _view_box(frames))
    part = dominant_hand(frames)
    hand, box = hand_view(frames, part)
    hand_drawer = HandDrawer(hand_axis, box, HAND_COLOURS[part])
    hand_axis.set_title(f"signing hand ({part.split('_')[0]})", fontsize=8)
    counter = axis.text(0.98, 0.02, "", transform=axis.transAxes, fontsize=8, ha="right", va="bottom")

    def update(i):
        counter.set_text(f"frame {i + 1}/{len(frames)}")
        return drawer.draw(frames[i]) + hand_drawer.draw(hand[i], labels[i]) + [counter]
    shown = range(0, len(frames), max(1, int(every)))
    movie = animation.FuncAnimation(figure, update, frames=shown, interval=1000 / fps, blit=True)
    tmp = out.with_name(out.stem + ".tmp" + suffix)
    movie.save(tmp, writer=_writer(suffix, fps), dpi=80)
    plt.close(figure)
    os.replace(tmp, out)
    return out


def _writer(suffix: str, fps: int):
    from matplotlib import animation
    if suffix == ".gif":
        return animation.PillowWriter(fps=fps)
    import matplotlib
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        try:
            import imageio_ffmpeg
            ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        except ImportError:
            raise RuntimeError("writing .mp4 needs ffmpeg: install it, or `pip install fingerspell[video]` "
                               "(imageio-ffmpeg), or write a .gif") from None
    matplotlib.rcParams["animation.ffmpeg_path"] = ffmpeg
    return animation.FFMpegWriter(fps=fps)


def _contact_sheet(frames, out, title, panels, labels):
    """One overview of the body, then the signing hand large at evenly spaced frames."""
    plt = _pyplot()
    picks = np.unique(np.linspace(0, len(frames) - 1, min(panels, len(frames))).round().astype(int))
    columns = min(6, len(picks) + 1)
    rows = -(-(len(picks) + 1) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2.0 * columns, 2.3 * rows + 0.4), squeeze=False)
    SkeletonDrawer(axes.flat[0], _view_box(frames)).draw(frames[picks[len(picks) // 2]])
    axes.flat[0].set_title(f"body, frame {picks[len(picks) // 2] + 1}", fontsize=7)
    part = dominant_hand(frames)
    hand, box = hand_view(frames, part)
    for axis, index in zip(axes.flat[1:], picks):
        HandDrawer(axis, box, HAND_COLOURS[part]).draw(hand[index], labels[index])
        axis.set_title(f"frame {index + 1}", fontsize=7)
    for axis in axes.flat[len(picks) + 1:]:
        axis.axis("off")
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    _save(figure, out)
    return out
