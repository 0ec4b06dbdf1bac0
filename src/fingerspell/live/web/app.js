// fingerspell live: camera -> MediaPipe Holistic (Hands where it finds no hand, as `fingerspell extract`)
// -> 543 x 3 landmark frames -> the exported model (onnxruntime-web) -> text, all inside this tab.
"use strict";

// PARTS: the Kaggle layout (layout.js)
const PHRASE_END_MS = 1000;       // no hand for this long ends a phrase
const RETRY_MS = 2000;            // camera and model problems are retried: the page recovers by itself
const KEEP_PHRASES = 5;           // finished phrases kept (with their frames) for inspection
// a growing phrase is read again at most this often (and exactly at its end): four times a second is as fast
// as anyone reads the text, and each reading is of the whole phrase, so it costs more as the phrase grows
const READ_EVERY_MS = 250;
const HAND_CHAINS = [[0, 1, 2, 3, 4], [0, 5, 6, 7, 8], [5, 9, 10, 11, 12], [9, 13, 14, 15, 16],
                     [13, 17, 18, 19, 20], [0, 17]];
const ARM_CHAINS = [[15, 13, 11, 12, 14, 16]];
const params = new URLSearchParams(location.search);
// MediaPipe on the GPU where WebGL has one (several times faster), else on the CPU as the Python extractor:
// a software WebGL (headless Chromium, no GPU) runs the GPU path far slower. ?cpu=1 or ?gpu=1 decide.
const CPU_INFERENCE = params.get("cpu") === "1" || (params.get("gpu") !== "1" && !hasHardwareWebGL());
// Holistic reads the face only for a model that reads face landmarks (or with ?face=1): pose and hands are the
// same without it (holistic_graph.py), for less work; the face then stays NaN and is not drawn
const FORCE_FACE = params.get("face") === "1";

function hasHardwareWebGL() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = gl ? gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : "";
    return Boolean(gl) && !/swiftshader|llvmpipe|software/i.test(renderer);
  } catch (error) {
    return false;
  }
}

// What the page has seen and read; tests and curious users can inspect it from the console.
const state = window.fingerspell = {
  ready: false, camera: "off", model: null, cpuInference: CPU_INFERENCE,
  processed: 0, dropped: 0, fps: 0, modelRuns: 0, timings: {}, frameLog: [],
  phrases: [], lines: [], current: null, messages: {},
};

const $ = (id) => document.getElementById(id);

function say(kind, text) {
  if (text) state.messages[kind] = text; else delete state.messages[kind];
  const shown = ["assets", "model", "reading", "camera", "hand"].map((k) => state.messages[k]).filter(Boolean);
  $("message").textContent = shown.length ? shown.join(" ") : "Reading. Spell away.";
  $("message").className = shown.length ? "" : "ok";
}

// ---------------------------------------------------------------- the model

async function loadModel() {
  let status;
  try {
    status = await (await fetch("/model/status", { cache: "no-store" })).json();
  } catch (error) {
    return say("model", `Model: the server does not answer (${error.message}); retrying.`);
  }
  if (!status.ok) {
    state.model = null;
    return say("model", `Model: ${status.reason}. Fix it and the page picks it up.`);
  }
  if (state.model && state.model.name === status.name) return say("model", null);
  try {
    const args = await (await fetch("/model/inference_args.json")).json();
    const chars = await (await fetch("/model/character_to_prediction_index.json")).json();
    const session = await ort.InferenceSession.create("/model/model.onnx", { executionProviders: ["wasm"] });
    const alphabet = [];
    for (const [ch, index] of Object.entries(chars)) alphabet[index] = ch;
    const model = { name: status.name, source: status.source, session, alphabet,
                    columns: args.selected_columns.map(columnIndex) };
    model.readsFace = readsFace(model.columns);
    const warm = new Float32Array(model.columns.length).fill(NaN);  // the first run is the slow one
    await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", warm, [1, model.columns.length]) });
    state.model = model;
    say("model", null);
    if (state.detectors) useFace(state.detectors, FORCE_FACE || model.readsFace);
  } catch (error) {
    state.model = null;
    say("model", `Model: could not load it (${error.message}); retrying.`);
  }
}

// "x_right_hand_3" -> its place in a flat (543 * 3) frame
function columnIndex(name) {
  const match = /^([xyz])_(face|left_hand|pose|right_hand)_(\d+)$/.exec(name);
  if (!match) throw new Error(`unknown column ${name} in inference_args.json`);
  const [start, count] = PARTS[match[2]];
  const point = Number(match[3]);
  if (point >= count) throw new Error(`column ${name} is out of range`);
  return (start + point) * 3 + "xyz".indexOf(match[1]);
}

const readsFace = (columns) => columns.some((c) => c < (PARTS.face[0] + PARTS.face[1]) * 3 && c >= PARTS.face[0] * 3);

// whether Holistic must read the face for the model on disk, before it loads: when no model is there yet,
// it must (it cannot know)
async function modelReadsFace() {
  try {
    const status = await (await fetch("/model/status", { cache: "no-store" })).json();
    if (!status.ok) return true;
    const args = await (await fetch("/model/inference_args.json")).json();
    return readsFace(args.selected_columns.map(columnIndex));
  } catch (error) {
    return true;  // loadModel says what is wrong
  }
}

// frames (arrays of 543 * 3) -> {text, greedyText, decoder, outputs: [k][59]}: text as reading.js decodes it
async function read(frames) {
  const model = state.model;
  if (!model || frames.length === 0) return { text: "", greedyText: "", decoder: "none", outputs: [] };
  const width = model.columns.length;
  const data = new Float32Array(frames.length * width);
  frames.forEach((frame, t) => model.columns.forEach((c, j) => { data[t * width + j] = frame[c]; }));
  const feeds = { [model.session.inputNames[0]]: new ort.Tensor("float32", data, [frames.length, width]) };
  const started = performance.now();
  const results = await model.session.run(feeds);
  timing("model", performance.now() - started);
  state.modelRuns += 1;
  const decoding = performance.now();
  const read = pageReading.text(results, model.session, model.alphabet);
  timing("decode", performance.now() - decoding);
  const result = results[model.session.outputNames[0]], rows = result.dims[0], size = result.dims[1];
  const outputs = [];
  for (let r = 0; r < rows; r++) outputs.push(Array.from(result.data.subarray(r * size, (r + 1) * size)));
  return { ...read, outputs };
}

// ---------------------------------------------------------------- landmarks

// MediaPipe's WebAssembly runs on one thread and Holistic is most of a frame's time (140 ms on 2 cores),
// so several Holistic workers (detector.js) read frames at once, each taking the camera's next frame when
// it is free; Hands, asked where Holistic found no hand, has a worker of its own. ?workers=N sets how many
// Holistic workers: by default one per core, at most 4.
const HOLISTIC_WORKERS = Math.max(1, Math.floor(Number(params.get("workers"))) ||
                                     Math.min(4, navigator.hardwareConcurrency || 1));
state.holisticWorkers = HOLISTIC_WORKERS;  // how many the page starts (state.detectors.holistic: those ready)

class Detector {
  constructor(solution, { face = true } = {}) {
    this.worker = new Worker(`/detector.js?solution=${solution}&cpu=${CPU_INFERENCE ? 1 : 0}&face=${face ? 1 : 0}`);
    this.face = face;
    this.pending = new Map();
    this.calls = 0;
    this.ready = new Promise((resolve, reject) => {
      const fail = (error) => {
        this.failed = error;  // a worker that stopped takes no more frames
        reject(error);
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
      };
      this.worker.onerror = (event) => fail(new Error(`${solution}: ${event.message}`));
      this.worker.onmessage = ({ data }) => {
        if (data.ready) return resolve();
        if (data.id === undefined) return fail(new Error(`${solution}: ${data.error}`));
        const call = this.pending.get(data.id);
        this.pending.delete(data.id);
        if (data.error) call.reject(new Error(`${solution}: ${data.error}`)); else call.resolve(data);
        if (this.retired && this.pending.size === 0) this.worker.terminate();
      };
    });
  }

  get busy() { return this.failed !== undefined || this.pending.size > 0; }

  // no more frames: it ends when the frames it holds are read
  retire() {
    this.retired = true;
    if (this.pending.size === 0) this.worker.terminate();
  }

  // an image, taken at `at` ms on the camera's clock (none: when sent) -> {frame: 543 * 3 landmarks
  // (Float32Array, NaN where none), ms: the solution's time}
  detect(image, at) {
    const id = this.calls++;
    const reply = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    createImageBitmap(image).then((bitmap) => this.worker.postMessage({ id, image: bitmap, at }, [bitmap]),
                                  (error) => this.pending.get(id)?.reject(error));
    return reply;
  }
}

// Holistic's first worker and Hands' start first, so that the camera's first frame is read as soon as they
// can; the other Holistic workers start after them and join when ready.
async function makeDetectors(face) {
  const detectors = { holistic: [], hands: new Detector("hands"), face };
  // each warmed up on a blank image
  await Promise.all([startHolistic(detectors, detectors.hands.ready), detectors.hands.ready]);
  state.detectors = detectors;  // for inspection: the frames each worker read are its `calls`
  return detectors;
}

// Holistic's workers with the graph `detectors.face` asks for: the first alone (the promise returned: ready,
// or failed), the others once it and `before` are ready, each joining when ready. One made for a graph no
// longer asked for is retired.
function startHolistic(detectors, before = Promise.resolve()) {
  const face = detectors.face, asked = () => face === detectors.face;
  const make = () => new Detector("holistic", { face });
  const join = (worker) => (asked() ? detectors.holistic.push(worker) : worker.retire());
  const first = make();
  const started = first.ready.then(() => { join(first); });
  Promise.all([started, before]).then(() => {
    for (let i = 1; i < HOLISTIC_WORKERS && asked(); i++) {
      const more = make();
      // not fatal: the page reads with the workers it has, fewer frames a second
      more.ready.then(() => join(more), (error) => console.warn("a Holistic worker failed", error));
    }
  }, () => {});  // the caller hears of a failed start from `started`
  return started;
}

// A model that reads the face replaced one that does not (or the other way): Holistic's workers are
// replaced by ones with the graph it needs; frames are missed until the first is ready.
function useFace(detectors, face) {
  if (detectors.face === face) return;
  detectors.face = face;
  for (const old of detectors.holistic.splice(0)) old.retire();
  startHolistic(detectors).catch((error) => say("assets", `MediaPipe did not start (${error.message})`));
  showFps();
}

// the camera's current image, grabbed once so that Holistic and Hands see the same pixels
function grab(video, canvas) {
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return canvas;
}

// milliseconds per stage, as a running mean (state.timings): where a frame's time goes
function timing(stage, ms) {
  const t = (state.timings[stage] ||= { calls: 0, ms: 0 });
  t.calls += 1;
  t.ms += (ms - t.ms) / t.calls;
}

// Holistic's landmarks (`holistic`: its reply), then Hands' where Holistic found no hand, as `fingerspell extract`
async function landmarksOf(image, holistic, hands) {
  const started = performance.now();
  const { frame, ms } = await holistic;
  timing("holistic", ms);
  if (!hasHand(frame)) {
    const found = await hands.detect(image);
    timing("hands", found.ms);
    for (const part of ["left_hand", "right_hand"]) {
      const [start, count] = PARTS[part];
      frame.set(found.frame.subarray(start * 3, (start + count) * 3), start * 3);
    }
  }
  timing("landmarks", performance.now() - started);  // both, with the trips to the workers
  return frame;
}

const hasHand = (frame) => !Number.isNaN(frame[PARTS.left_hand[0] * 3]) ||
                           !Number.isNaN(frame[PARTS.right_hand[0] * 3]);

// ---------------------------------------------------------------- phrases

// A phrase runs from the first frame with a hand to the last one; frames without a hand inside it stay
// (the model was trained on such gaps), those after its last hand are dropped when it ends.
// `position`: the camera's number for the frame; `missed`: frames it showed before this one that the
// page had no time to read.
async function addFrame(frame, now, position, missed) {
  if (state.current) state.current.dropped += missed;  // kept per phrase: holes in it read worse
  if (hasHand(frame)) {
    state.lastHand = now;
    if (!state.current) state.current = { frames: [], positions: [], filled: [], gap: [], dropped: 0 };
    const phrase = state.current;
    for (const [f, p] of [...phrase.gap, [frame, position]]) {
      appendFilled(phrase.filled, phrase.frames.at(-1), phrase.positions.at(-1), f, p);  // only the new part
      phrase.frames.push(f);
      phrase.positions.push(p);
    }
    phrase.gap = [];
    if (phrase.readAt === undefined || now - phrase.readAt >= READ_EVERY_MS) {
      phrase.readAt = now;
      Object.assign(phrase, await read(phrase.filled));
    }
    say("hand", null);
    return;
  }
  const unseen = now - (state.lastHand ?? 0) > PHRASE_END_MS;
  if (state.current) {
    state.current.gap.push([frame, position]);
    if (unseen) await endPhrase();
  } else if (unseen) {
    say("hand", "No hand in view.");
  }
}

// Frames read at camera frame numbers `positions` -> one frame per camera frame from the first read to the
// last, the missed ones linear between their neighbours read (a point missing in either stays missing), as
// fingerspell.inference.fill_missed_frames: the page reads a few of the camera's frames, the model was
// trained on every frame a camera recorded and reads far worse with fewer (bench/frame_rate.py).
function fillMissed(frames, positions) {
  const filled = [];
  frames.forEach((frame, j) => appendFilled(filled, frames[j - 1], positions[j - 1], frame, positions[j]));
  return filled;
}

// fillMissed one frame at a time, as a phrase grows: onto `filled`, which ends with `last` (read at camera
// frame `lastPosition`; none for the first), the frames missed before `frame` (read at `position`), then it
function appendFilled(filled, last, lastPosition, frame, position) {
  const gap = last ? position - lastPosition : 1;
  for (let k = 1; k < gap; k++) {
    const w = Math.fround(k / gap), row = new Float32Array(frame.length);
    for (let i = 0; i < frame.length; i++) row[i] = (1 - w) * last[i] + w * frame[i];
    filled.push(row);
  }
  filled.push(frame);
}

state.read = read;  // frames (543 * 3 arrays) -> {text, greedyText, outputs}: the page's own reading, for checks
state.reading = pageReading.reading;  // the decoder, its language model and the user's words
state.Detector = Detector;  // one MediaPipe worker, as the page runs them, for checks
state.fillMissed = fillMissed;

async function endPhrase() {
  const phrase = state.current;
  state.current = null;
  // the final frames exactly, as `fingerspell predict` (where the page missed none)
  Object.assign(phrase, await read(phrase.filled));
  delete phrase.gap;
  delete phrase.filled;  // fillMissed(frames, positions) gives them again
  state.phrases.push(phrase);
  if (state.phrases.length > KEEP_PHRASES) Object.assign(state.phrases.shift(), { frames: null, positions: null });
  if (phrase.text) state.lines.push(phrase.text);
  const item = document.createElement("li");
  item.textContent = phrase.text || "(nothing read)";
  $("lines").appendChild(item);
}

// ---------------------------------------------------------------- drawing

// the image the landmarks were read from (not the live video, which has moved on), mirrored by CSS with them
function draw(image, frame) {
  const canvas = $("overlay"), ctx = canvas.getContext("2d");
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width; canvas.height = image.height;
  }
  ctx.drawImage(image, 0, 0);
  const point = (i) => [frame[i * 3] * canvas.width, frame[i * 3 + 1] * canvas.height];
  const chains = (start, list, colour) => {
    ctx.strokeStyle = colour; ctx.lineWidth = 2;
    for (const chain of list) {
      ctx.beginPath();
      chain.forEach((p, k) => { const [x, y] = point(start + p); k ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
      if (!Number.isNaN(frame[(start + chain[0]) * 3])) ctx.stroke();
    }
  };
  chains(PARTS.pose[0], ARM_CHAINS, "#fc6");
  chains(PARTS.left_hand[0], HAND_CHAINS, "#6cf");
  chains(PARTS.right_hand[0], HAND_CHAINS, "#f6c");
  ctx.fillStyle = "#ddd8";
  for (let i = 0; i < PARTS.face[1]; i += 4) {
    const [x, y] = point(i);
    if (!Number.isNaN(x)) ctx.fillRect(x - 1, y - 1, 2, 2);
  }
  const line = state.current ? state.current.text : "";
  $("current").textContent = line;
}

// ---------------------------------------------------------------- camera loop

async function startCamera(video) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 } }, audio: false });
    video.srcObject = stream;
    await video.play();
    state.camera = "on";
    say("camera", null);
    stream.getVideoTracks()[0].addEventListener("ended", () => cameraLost(video, "The camera stopped."));
    return true;
  } catch (error) {
    const why = {
      NotAllowedError: "Camera permission refused: allow the camera for this page and it starts by itself.",
      NotFoundError: "No camera found: connect one and the page starts it by itself.",
      NotReadableError: "The camera is busy in another program: close it there.",
    }[error.name] || `Camera: ${error.name}: ${error.message}`;
    cameraLost(video, why);
    return false;
  }
}

function cameraLost(video, why) {
  state.camera = "off";
  say("camera", why);
  setTimeout(() => startCamera(video), RETRY_MS);
}

function trackFps(now) {
  state.times = (state.times || []).filter((t) => now - t < 2000);
  state.times.push(now);
  state.fps = state.times.length > 1 ? (state.times.length - 1) * 1000 / (now - state.times[0]) : 0;
  showFps();
}

function showFps() {
  const face = state.detectors && !state.detectors.face ? ", no face (the model reads none)" : "";
  $("fps").textContent = `${state.fps.toFixed(1)} frames/s, MediaPipe on ${CPU_INFERENCE ? "CPU" : "GPU"}${face}`;
}

// Each frame the camera shows goes to a free Holistic worker; when none is free it is missed, as a live
// reader must. (Grabbing every frame, so that a worker set free could take the newest at once, measured no
// faster: on 2 cores the workers already take all the CPU there is.)
function loop(video, detectors) {
  let lastPresented = null, inOrder = Promise.resolve();
  const spare = [];  // canvases whose frames are drawn, for the next grabs
  const onFrame = (now, meta) => {
    video.requestVideoFrameCallback(onFrame);
    const holistic = detectors.holistic.find((detector) => !detector.busy);
    // Hands reads only frames where Holistic found no hand but is slower than the workers together: when
    // no hand is in view, frames wait for it rather than pile up behind it
    if (!holistic || detectors.hands.pending.size >= detectors.holistic.length) return;  // counted below
    // frames shown while the page was busy (or never handed to it): not read
    const missed = lastPresented === null ? 0 : Math.max(0, meta.presentedFrames - lastPresented - 1);
    state.dropped += missed;
    lastPresented = meta.presentedFrames;
    const image = grab(video, spare.pop() || document.createElement("canvas"));  // kept until drawn
    // Holistic smooths landmarks over time: the camera's clock; Hands, which may get frames out of order
    // (after whichever Holistic worker ends first) and does not smooth, the time each is sent
    const reading = landmarksOf(image, holistic.detect(image, meta.mediaTime * 1000), detectors.hands);
    reading.catch(() => {});  // handled in order below
    // frames join the phrase, are drawn and counted in the order they were shown, whichever worker ends first
    inOrder = inOrder.then(async () => {
      try {
        const frame = await reading;
        state.processed += 1;
        // the latest frames read: camera time (s) and whether a hand was seen, for inspection
        state.frameLog = [...state.frameLog.slice(-299), [meta.mediaTime, hasHand(frame)]];
        // the frame's presentation time: slow processing does not end a phrase
        await addFrame(frame, now, meta.presentedFrames, missed);
        draw(image, frame);
        trackFps(performance.now());
        say("assets", null);
      } catch (error) {
        say("assets", `Processing failed: ${error.message}`);
      } finally {
        spare.push(image);
      }
    });
  };
  video.requestVideoFrameCallback(onFrame);
}

async function main() {
  if (typeof ort === "undefined") {
    return say("assets", "The page's onnxruntime files did not load: run `fingerspell setup-web`.");
  }
  ort.env.wasm.wasmPaths = "/vendor/ort/";
  ort.env.wasm.numThreads = 1;  // no cross-origin isolation needed; MediaPipe's workers take the other cores
  let detectors;
  try {
    const face = FORCE_FACE || await modelReadsFace();
    [detectors] = await Promise.all([makeDetectors(face), loadModel(), pageReading.load()]);
    say("reading", pageReading.message());
    useFace(detectors, FORCE_FACE || (state.model ? state.model.readsFace : face));  // if it changed meanwhile
    state.timings = {};  // the warm-up calls are not the camera's
  } catch (error) {
    return say("assets", `MediaPipe did not start (${error.message}): run \`fingerspell setup-web\`.`);
  }
  $("words").addEventListener("change", async (event) => {  // the user's own words, one per line
    const file = event.target.files[0];
    if (file) say("reading", pageReading.setWords(await file.text(), file.name));
  });
  const watchModel = async () => { await loadModel(); setTimeout(watchModel, RETRY_MS); };
  setTimeout(watchModel, RETRY_MS);  // a model fixed or replaced on disk is picked up
  state.ready = true;
  const video = $("camera");
  // the camera starts after everything has loaded and the loop waits for it: its first frame is read
  loop(video, detectors);
  await startCamera(video);
}

main();
