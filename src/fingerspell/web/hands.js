// MediaPipe Hands in its own document (hands.html): the live page asks it where Holistic found no hand,
// as `fingerspell extract` asks MediaPipe Hands.
"use strict";

let latest = [];
let hands = null;

// options as the Python extractor's Hands (holistic_worker.py)
window.startHands = async (cpuInference) => {
  hands = new Hands({ locateFile: (file) => `/vendor/hands/${file}` });
  hands.setOptions({ maxNumHands: 2, modelComplexity: 1, minDetectionConfidence: 0.3,
                     minTrackingConfidence: 0.5, selfieMode: false, useCpuInference: cpuInference });
  hands.onResults((r) => {
    latest = (r.multiHandLandmarks || []).map((hand, i) => ({
      label: r.multiHandedness?.[i]?.label,
      landmarks: hand.map((p) => ({ x: p.x, y: p.y, z: p.z })),
    }));
  });
  await hands.initialize();
};

// the frame the parent drew into this document's canvas -> [{label, landmarks}]
window.detectHands = async () => {
  latest = [];
  await hands.send({ image: document.getElementById("image") });
  return latest;
};
