"""Holistic's graph without its face, for models that read no face landmark.

The browser's Holistic (the pinned `@mediapipe/holistic`) runs the graph in `holistic.binarypb`: one node,
`HolisticLandmarkGpu`, that runs pose, both hands (found from the pose) and the face (also found from the
pose). Nothing in pose or hands depends on the face, so a graph that runs the same pose and hands subgraphs,
and never the face's, gives the same pose and hand landmarks for less work (the live page read 3-29% more
frames/s with it on 2 cores, in each of 13 paired rounds of bench/live.py). Its face stream stays, gated
shut, so the solution's script reads it as "no face".

The graph is a protocol buffer (MediaPipe's CalculatorGraphConfig); the few fields touched here are read and
written by hand so that set-up needs no MediaPipe and no protobuf schema: field numbers from MediaPipe's
calculator.proto and gate_calculator.proto.
"""
from __future__ import annotations

# CalculatorGraphConfig
GRAPH_NODE = 1
# CalculatorGraphConfig.Node
NODE_NAME, NODE_CALCULATOR, NODE_INPUT_STREAM, NODE_OUTPUT_STREAM = 1, 2, 3, 4
NODE_INPUT_SIDE_PACKET, NODE_OPTIONS = 5, 7
GATE_OPTIONS_EXTENSION = 261754847  # GateCalculatorOptions.ext, inside CalculatorOptions
GATE_ALLOW = 2  # GateCalculatorOptions.allow
VARINT, LENGTH = 0, 2  # wire types

HOLISTIC = "HolisticLandmarkGpu"
POSE = "PoseLandmarkGpu"
HANDS = "HandLandmarksLeftAndRightGpu"
POSE_SIDE_PACKETS = ("MODEL_COMPLEXITY", "SMOOTH_LANDMARKS", "ENABLE_SEGMENTATION", "SMOOTH_SEGMENTATION")
# MediaPipe names the nodes inside a subgraph after the node that holds it (its name, else its calculator in
# lower case: "holisticlandmarkgpu__poselandmarkgpu__..."), and the solution's script sets options by those
# names (its detection and tracking thresholds are in the pose's): the two subgraphs keep their names


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise ValueError("truncated varint")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def fields(message: bytes) -> list[tuple[int, int, int | bytes, bytes]]:
    """A message's fields in order: (number, wire type, value (int or bytes), the field's own bytes)."""
    out, at = [], 0
    while at < len(message):
        start = at
        key, at = _read_varint(message, at)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, at = _read_varint(message, at)
        elif wire == LENGTH:
            size, at = _read_varint(message, at)
            if at + size > len(message):
                raise ValueError(f"field {number} runs past the message's end")
            value, at = message[at:at + size], at + size
        elif wire in (1, 5):  # fixed 64 / 32 bits
            size = 8 if wire == 1 else 4
            value, at = message[at:at + size], at + size
        else:
            raise ValueError(f"unsupported wire type {wire} (field {number})")
        out.append((number, wire, value, message[start:at]))
    return out


def _field(number: int, value: bytes | str) -> bytes:
    value = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | LENGTH) + _varint(len(value)) + value


def node(calculator: str, inputs=(), outputs=(), side_packets=(), options: bytes = b"", name: str = "") -> bytes:
    """One CalculatorGraphConfig.Node, as a `node` field of a graph."""
    body = (_field(NODE_NAME, name) if name else b"") + _field(NODE_CALCULATOR, calculator)
    for number, names in ((NODE_INPUT_STREAM, inputs), (NODE_OUTPUT_STREAM, outputs),
                          (NODE_INPUT_SIDE_PACKET, side_packets)):
        body += b"".join(_field(number, name) for name in names)
    if options:
        body += _field(NODE_OPTIONS, options)
    return _field(GRAPH_NODE, body)


def describe(node_bytes: bytes) -> dict:
    """A node's calculator and its streams and side packets, by tag ("IMAGE:image" -> {"IMAGE": "image"})."""
    out = {"name": "", "calculator": "", "inputs": {}, "outputs": {}, "side_packets": {}}
    kinds = {NODE_INPUT_STREAM: "inputs", NODE_OUTPUT_STREAM: "outputs", NODE_INPUT_SIDE_PACKET: "side_packets"}
    for number, wire, value, _ in fields(node_bytes):
        if number == NODE_CALCULATOR and wire == LENGTH:
            out["calculator"] = value.decode()
        elif number == NODE_NAME and wire == LENGTH:
            out["name"] = value.decode()
        elif number in kinds and wire == LENGTH:
            tag, _, name = value.decode().rpartition(":")
            out[kinds[number]][tag] = name
    return out


def nodes(graph: bytes) -> list[dict]:
    """The graph's nodes, described."""
    return [describe(value) for number, wire, value, _ in fields(graph) if number == GRAPH_NODE and wire == LENGTH]


def without_face(graph: bytes, what: str = "holistic.binarypb") -> bytes:
    """The Holistic graph `graph` with its HolisticLandmarkGpu node replaced by the same pose and hands
    subgraphs, wired to the same streams, and its face landmarks stream gated shut (never a packet)."""
    out, replaced = [], 0
    for number, wire, value, raw in fields(graph):
        holistic = describe(value) if number == GRAPH_NODE and wire == LENGTH else None
        if holistic is None or holistic["calculator"] != HOLISTIC:
            out.append(raw)
            continue
        inside = (holistic["name"] or HOLISTIC.lower()) + "__"
        streams = {**holistic["inputs"], **holistic["outputs"]}
        needed = ("IMAGE", "POSE_LANDMARKS", "WORLD_LANDMARKS", "SEGMENTATION_MASK", "LEFT_HAND_LANDMARKS",
                  "RIGHT_HAND_LANDMARKS", "FACE_LANDMARKS")
        if missing := [tag for tag in needed if tag not in streams]:
            raise ValueError(f"{what}: its {HOLISTIC} node lacks the streams {missing}: not the pinned graph")
        image, pose = f"IMAGE:{streams['IMAGE']}", streams["POSE_LANDMARKS"]
        out.append(node(POSE, [image],
                        [f"LANDMARKS:{pose}", f"WORLD_LANDMARKS:{streams['WORLD_LANDMARKS']}",
                         f"SEGMENTATION_MASK:{streams['SEGMENTATION_MASK']}"],
                        [f"{tag}:{holistic['side_packets'][tag]}" for tag in POSE_SIDE_PACKETS
                         if tag in holistic["side_packets"]], name=inside + POSE.lower()))
        out.append(node(HANDS, [image, f"POSE_LANDMARKS:{pose}"],
                        [f"LEFT_HAND_LANDMARKS:{streams['LEFT_HAND_LANDMARKS']}",
                         f"RIGHT_HAND_LANDMARKS:{streams['RIGHT_HAND_LANDMARKS']}"],
                        name=inside + HANDS.lower()))
        # a gate that never opens: the face stream exists for the script that listens to it, and stays empty
        never = _field(GATE_OPTIONS_EXTENSION, _varint(GATE_ALLOW << 3 | VARINT) + _varint(0))
        out.append(node("GateCalculator", [pose], [streams["FACE_LANDMARKS"]], options=never))
        replaced += 1
    if replaced != 1:
        raise ValueError(f"{what}: expected one {HOLISTIC} node, found {replaced}: not the pinned Holistic graph")
    return b"".join(out)
