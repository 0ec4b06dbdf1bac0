"""Holistic's graph without the face: the wire format written by hand, checked against MediaPipe's own schema
(the video environment's protobuf classes) and against the pinned graph the page runs."""
import subprocess

import pytest

from fingerspell.video.extract import video_python
from fingerspell.live.holistic_graph import HANDS, HOLISTIC, POSE, fields, node, nodes, without_face

HOLISTIC_NODE = dict(
    inputs=["IMAGE:image_transformed"],
    outputs=["POSE_LANDMARKS:pose_landmarks", "WORLD_LANDMARKS:world_landmarks", "FACE_LANDMARKS:face_landmarks",
             "LEFT_HAND_LANDMARKS:left_hand_landmarks", "RIGHT_HAND_LANDMARKS:right_hand_landmarks",
             "SEGMENTATION_MASK:segmentation_mask"],
    side_packets=["MODEL_COMPLEXITY:model_complexity", "SMOOTH_LANDMARKS:smooth_landmarks",
                  "ENABLE_SEGMENTATION:enable_segmentation", "SMOOTH_SEGMENTATION:smooth_segmentation",
                  "REFINE_FACE_LANDMARKS:refine_face_landmarks"])
# a graph shaped like the pinned holistic.binarypb: nodes before and after, and a top-level field that is no node
GRAPH = (node("GlScalerCalculator", ["VIDEO:input_frames_gpu"], ["VIDEO:image_transformed"])
         + node(HOLISTIC, **HOLISTIC_NODE)
         + node("GateCalculator", ["face_landmarks", "ALLOW:face_geometry_on"], ["multi_face_landmarks_gated"])
         + bytes([10 << 3 | 2, len(b"input_frames_gpu")]) + b"input_frames_gpu")  # input_stream (field 10)


def test_without_face_runs_the_same_pose_and_hands_on_the_same_streams_and_keeps_the_rest():
    lean = nodes(without_face(GRAPH))
    assert [n["calculator"] for n in lean] == ["GlScalerCalculator", POSE, HANDS, "GateCalculator", "GateCalculator"]
    pose, hands, shut = lean[1:4]
    assert pose["inputs"] == {"IMAGE": "image_transformed"}
    assert pose["outputs"] == {"LANDMARKS": "pose_landmarks", "WORLD_LANDMARKS": "world_landmarks",
                               "SEGMENTATION_MASK": "segmentation_mask"}
    assert pose["side_packets"] == {"MODEL_COMPLEXITY": "model_complexity", "SMOOTH_LANDMARKS": "smooth_landmarks",
                                    "ENABLE_SEGMENTATION": "enable_segmentation",
                                    "SMOOTH_SEGMENTATION": "smooth_segmentation"}
    assert hands["inputs"] == {"IMAGE": "image_transformed", "POSE_LANDMARKS": "pose_landmarks"}
    assert hands["outputs"] == {"LEFT_HAND_LANDMARKS": "left_hand_landmarks",
                                "RIGHT_HAND_LANDMARKS": "right_hand_landmarks"}
    # named as inside Holistic, so that the solution's options (set by node name) reach their nodes
    assert (pose["name"], hands["name"]) == ("holisticlandmarkgpu__poselandmarkgpu",
                                             "holisticlandmarkgpu__handlandmarksleftandrightgpu")
    named = nodes(without_face(node(HOLISTIC, **HOLISTIC_NODE, name="whole")))
    assert [n["name"] for n in named[:2]] == ["whole__poselandmarkgpu", "whole__handlandmarksleftandrightgpu"]
    # the face stream still exists (the solution's script listens to it), from a gate with no ALLOW input
    assert shut["outputs"] == {"": "face_landmarks"} and shut["inputs"] == {"": "pose_landmarks"}
    # everything that was not the Holistic node is kept byte for byte, in order
    before = [raw for _, _, _, raw in fields(GRAPH)]
    after = [raw for _, _, _, raw in fields(without_face(GRAPH))]
    assert after[:1] + after[4:] == before[:1] + before[2:]


def test_without_face_refuses_a_graph_that_is_not_holistic_and_names_it():
    others = node("GlScalerCalculator", ["VIDEO:a"], ["VIDEO:b"])
    with pytest.raises(ValueError, match="holistic.binarypb: expected one HolisticLandmarkGpu node, found 0"):
        without_face(others)
    with pytest.raises(ValueError, match="found 2"):
        without_face(GRAPH + node(HOLISTIC, **HOLISTIC_NODE))
    lacking = node(HOLISTIC, HOLISTIC_NODE["inputs"], HOLISTIC_NODE["outputs"][:2])
    with pytest.raises(ValueError, match=r"g.binarypb: its HolisticLandmarkGpu node lacks the streams "
                                         r"\['SEGMENTATION_MASK', 'LEFT_HAND"):
        without_face(lacking, "g.binarypb")
    with pytest.raises(ValueError, match="runs past the message's end"):
        without_face(GRAPH[:-3])
    with pytest.raises(ValueError, match="unsupported wire type"):
        without_face(bytes([1 << 3 | 3]))


@pytest.mark.video
def test_mediapipe_reads_the_graph_as_meant(tmp_path):
    """MediaPipe's own protobuf classes (the video environment) parse the hand-written graph: the nodes as
    above and the face's gate shut by its options (allow: false)."""
    try:
        python = video_python()
    except RuntimeError as error:
        pytest.skip(f"no video environment: {error}")
    (tmp_path / "lean.binarypb").write_bytes(without_face(GRAPH))
    script = ("import sys\nfrom mediapipe.framework import calculator_pb2\n"
              "from mediapipe.calculators.core import gate_calculator_pb2\n"
              "g = calculator_pb2.CalculatorGraphConfig()\ng.ParseFromString(open(sys.argv[1], 'rb').read())\n"
              "print(g)\n")
    text = subprocess.run([python, "-c", script, str(tmp_path / "lean.binarypb")], capture_output=True, text=True,
                          check=True).stdout
    assert f'calculator: "{POSE}"' in text and f'calculator: "{HANDS}"' in text and HOLISTIC not in text
    gate = text[text.index('output_stream: "face_landmarks"'):]
    assert gate.index("[mediapipe.GateCalculatorOptions.ext] {\n      allow: false") < gate.index("node {")
    assert 'input_stream: "input_frames_gpu"' in text  # the graph's own fields survive


def test_the_pinned_graph_and_the_one_set_up_beside_it():
    from test_serve import web_root
    folder = web_root() / "vendor" / "holistic"
    pinned = (folder / "holistic.binarypb").read_bytes()
    assert [n["calculator"] for n in nodes(pinned)].count(HOLISTIC) == 1
    lean = without_face(pinned)
    assert (folder / "holistic_without_face.binarypb").read_bytes() == lean
    calculators = [n["calculator"] for n in nodes(lean)]
    assert HOLISTIC not in calculators and calculators.count(POSE) == calculators.count(HANDS) == 1
