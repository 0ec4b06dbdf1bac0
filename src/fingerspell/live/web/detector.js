// One MediaPipe solution in a worker of its own: detector.js?solution=holistic|hands&cpu=1|0[&face=0].
// MediaPipe's WebAssembly runs on one thread, so the page runs Holistic in several of these at once (each on
// its share of the frames) and Hands in another; a worker also keeps each solution's global names apart.
// Messages in: {id, image: ImageBitmap, at: the frame's time in ms (none: now)}; out: {id, ms, frame}, the
// frame's 543 * 3 landmarks as the solution gives them (Hands: its hands only), NaN elsewhere; {ready} or
// {error} once at start.
"use strict";

importScripts("/layout.js");  // PARTS, LANDMARKS
const query = new URL(location.href).searchParams;
const solution = query.get("solution");
const cpuInference = query.get("cpu") === "1";
// face=0: Holistic's graph without the face (holistic_graph.py), for a model that reads no face landmark:
// the same pose and hands for less work; the face stays NaN
const graph = query.get("face") === "0" ? "holistic_without_face.binarypb" : "holistic.binarypb";
let detector, send, reply, lastAt = -Infinity;

// An option MediaPipe cannot apply (the node it names is not in the graph) is only logged, and the solution
// then runs at that node's defaults: caught from the log, the worker refuses to start
const unapplied = [];
for (const level of ["log", "warn", "error"]) {
  const write = console[level].bind(console);
  console[level] = (...args) => {
    const text = args.join(" ");
    if (/Calculator \S+ not found/.test(text)) unapplied.push(text.replace(/^.*\] /, ""));
    write(...args);
  };
}

function put(frame, part, landmarks) {
  if (!landmarks) return;
  const [start, count] = PARTS[part];
  for (let i = 0; i < count && i < landmarks.length; i++) {
    frame[(start + i) * 3] = landmarks[i].x;
    frame[(start + i) * 3 + 1] = landmarks[i].y;
    frame[(start + i) * 3 + 2] = landmarks[i].z;
  }
}

// the Python extractor's options (holistic_worker.py): Holistic at model_complexity 1, Hands as its fallback
async function start() {
  const locateFile = (file) => `/vendor/${solution}/${file === "holistic.binarypb" ? graph : file}`;
  // In a worker the legacy solutions load every file they list with importScripts, their model files
  // too, and look for the packed assets beside this script: give scripts only, and the assets' place.
  const importOnly = self.importScripts.bind(self);
  self.importScripts = (...urls) => importOnly(...urls.filter((url) => url.endsWith(".js")));
  self.createMediapipeSolutionsPackedAssets = { locateFile };
  importScripts(locateFile(`${solution}.js`));
  if (solution === "holistic") {
    detector = new Holistic({ locateFile });
    detector.setOptions({ modelComplexity: 1, smoothLandmarks: true, enableSegmentation: false,
                          refineFaceLandmarks: false, minDetectionConfidence: 0.5, minTrackingConfidence: 0.5,
                          selfieMode: false, useCpuInference: cpuInference });
    detector.onResults((r) => {
      const frame = new Float32Array(LANDMARKS * 3).fill(NaN);
      put(frame, "face", r.faceLandmarks); put(frame, "left_hand", r.leftHandLandmarks);
      put(frame, "pose", r.poseLandmarks); put(frame, "right_hand", r.rightHandLandmarks);
      reply = { frame };
    });
  } else if (solution === "hands") {
    detector = new Hands({ locateFile });
    detector.setOptions({ maxNumHands: 2, modelComplexity: 1, minDetectionConfidence: 0.3,
                          minTrackingConfidence: 0.5, selfieMode: false, useCpuInference: cpuInference });
    detector.onResults((r) => {
      const frame = new Float32Array(LANDMARKS * 3).fill(NaN);
      // Hands' labels assume a mirrored image; on the camera's own image "Left" is the person's right hand
      (r.multiHandLandmarks || []).forEach((hand, i) => {
        put(frame, r.multiHandedness?.[i]?.label === "Left" ? "right_hand" : "left_hand", hand);
      });
      reply = { frame };
    });
  } else {
    throw new Error(`unknown solution ${solution}`);
  }
  // Three mends to the pinned releases (web_assets.py pins them by hash; `h`, `m`, `K` are their minified
  // names): the output image, which the page never uses, is not converted each frame (8% more frames/s
  // measured); the WebGL context they make in a worker, which they never keep there (on a page they
  // do), is handed to them; and each frame is sent with its own time (their `send` drops it and stamps the
  // time it was sent), so that Holistic's landmark smoothing follows the camera's clock, as the Python
  // extractor's follows the video's frames, not how busy the machine was.
  const inner = detector.h;
  if (typeof inner?.send !== "function" || inner.send.length !== 2) {
    throw new Error(`this ${solution} release is not the pinned one: its send differs`);
  }
  send = (image, at) => inner.send({ image }, at);
  const listeners = inner?.h?.listeners;
  if (!Array.isArray(listeners) || !listeners.every((listener) => listener.outs?.image)) {
    throw new Error(`this ${solution} release is not the pinned one: its outputs differ`);
  }
  for (const listener of listeners) delete listener.outs.image;
  await detector.initialize();
  if (!(inner.m instanceof OffscreenCanvas) || inner.K !== undefined) {
    throw new Error(`this ${solution} release is not the pinned one: its worker set-up differs`);
  }
  inner.K = inner.m.getContext("webgl2") || inner.m.getContext("webgl");
  const blank = new OffscreenCanvas(64, 64);  // the slow first call, before the camera's first frame
  blank.getContext("2d").fillRect(0, 0, 64, 64);
  lastAt = 0;
  await send(blank, lastAt);
  if (unapplied.length) throw new Error(`an option of ours was not applied: ${unapplied.join("; ")}`);
}

async function detect({ id, image, at }) {
  const started = performance.now();
  reply = null;
  // MediaPipe wants each frame later than the last: a camera started again may count from 0
  at = at === undefined ? performance.now() : Math.max(at, lastAt + 1);
  lastAt = at;
  await send(image, at);
  image.close();
  postMessage({ id, ms: performance.now() - started, frame: reply.frame }, [reply.frame.buffer]);
}

// one frame at a time: a solution keeps state (tracking) from frame to frame
let queue = start().then(() => postMessage({ ready: true }), (error) => postMessage({ error: String(error) }));
onmessage = ({ data }) => {
  queue = queue.then(() => detect(data)).catch((error) => postMessage({ id: data.id, error: String(error) }));
};
