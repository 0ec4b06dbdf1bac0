"""The 543 MediaPipe Holistic points and every selection of them: the one definition that the store, the
features, the synthetic signers, the video worker and the live page (web/layout.js, tested against it) follow.

A frame is (543, 3): face 468, left hand 21, pose 33, right hand 21, in that order; the Kaggle wide layout's
1,629 columns are all x first, then all y, then all z.
"""
from __future__ import annotations

PARTS: tuple[tuple[str, int], ...] = (("face", 468), ("left_hand", 21), ("pose", 33), ("right_hand", 21))
PART_OFFSET: dict[str, int] = {}
_offset = 0
for _part, _count in PARTS:
    PART_OFFSET[_part] = _offset
    _offset += _count
NUM_LANDMARKS = _offset  # 543 = 468 face + 21 left hand + 33 pose + 21 right hand
LANDMARK_NAMES: tuple[str, ...] = tuple(f"{part}_{i}" for part, count in PARTS for i in range(count))
AXES = ("x", "y", "z")
COORDINATE_COLUMNS: tuple[str, ...] = tuple(f"{a}_{name}" for a in AXES for name in LANDMARK_NAMES)  # 1,629
FRAME_COLUMN = "frame"
SEQUENCE_COLUMN = "sequence_id"
LONG_COLUMNS = ("frame", "row_id", "type", "landmark_index", "x", "y", "z")

HAND_SIZE = 21
POSE_ARM_POINTS = tuple(range(11, 23))  # shoulders, elbows, wrists and the pose's pinky/index/thumb points
# One arm's pose points: shoulder, elbow, wrist, and the pose model's own pinky, index and thumb points.
ARM_POINTS = {"left": (11, 13, 15, 17, 19, 21), "right": (12, 14, 16, 18, 20, 22)}
ARM = {side: dict(zip(("shoulder", "elbow", "wrist", "pinky", "index", "thumb"), points))
       for side, points in ARM_POINTS.items()}
# A MediaPipe hand: wrist 0, then four points per finger from its base knuckle (thumb 1-4 ... little 17-20).
FINGER_CHAINS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))
PALM_POINTS = (0, 1, 5, 9, 13, 17)  # wrist and the base knuckles: rigid while the fingers move
MIDDLE_KNUCKLE = 9  # wrist-to-middle-knuckle length is the hand's unit of size
# MediaPipe face-mesh lip contour (outer and inner), the 40 points most lip-reading models use.
LIP_POINTS = (0, 61, 185, 40, 39, 37, 267, 269, 270, 409, 291, 146, 91, 181, 84, 17, 314, 405, 321, 375,
              78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)


def part_slice(part: str) -> slice:
    """The part's rows of a (543, 3) frame."""
    return slice(PART_OFFSET[part], PART_OFFSET[part] + dict(PARTS)[part])


def part_indices(part: str, points=None) -> list[int]:
    """Indices among the 543 of `points` (default: all) of one body part."""
    count = dict(PARTS)[part]
    return [PART_OFFSET[part] + i for i in (range(count) if points is None else points)]


def columns_for(indices) -> list[str]:
    """Kaggle column names for landmark indices: x of each, then y of each, then z of each."""
    return [f"{a}_{LANDMARK_NAMES[i]}" for a in AXES for i in indices]


def indices_for_columns(columns) -> list[int]:
    """Inverse of `columns_for`: landmark indices from an x..., y..., z... column list."""
    columns = list(columns)
    third = len(columns) // 3
    if len(columns) != 3 * third:
        raise ValueError("column list is not x..., y..., z... of the same landmarks")
    names = [c[2:] for c in columns[:third]]
    for k, a in enumerate(AXES):
        if [c[2:] for c in columns[k * third:(k + 1) * third]] != names or any(
                not c.startswith(a + "_") for c in columns[k * third:(k + 1) * third]):
            raise ValueError("column list is not x..., y..., z... of the same landmarks")
    lookup = {n: i for i, n in enumerate(LANDMARK_NAMES)}
    return [lookup[n] for n in names]
