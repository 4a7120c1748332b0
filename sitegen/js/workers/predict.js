// A converted model answering one image at a time, off the page's main thread (the draw
// widget's predictions; lib/predictor.js is the page side). A stroke's answer then never
// waits behind the page's own drawing and compositing, and a slow model never freezes it.
//
// Bundled twice (sitegen/assets.py): with only the kernels of predict-kernels.mjs, the one
// pages start, and with all of tfjs. A model that needs a kernel the small bundle leaves out
// fails here at load with `missingKernel`, before the reader draws, and the page starts the
// full bundle instead (lib/predictor.js).
//
// The backend is picked by timing this model, WebGL's time counted double: a stroke's answer
// is asked for just as the page draws the stroke, when the GPU is busy, which timings taken
// at load do not see (on a 2-core machine with software WebGL the codelab CNN took 2 ms on
// the cpu backend against 15 ms on WebGL in use, though both timed 5 ms at load). For the
// small CNNs of the tutorials a processor backend wins: one image is too little work to pay
// for a round trip to the GPU.
//
// cpu and WebGL come with the bundle; wasm costs the reader a chunk and a binary (35 + 137 kB
// gzipped), so it is tried only when it can pay: when WebGL cannot start (as on the page:
// WebGL, else wasm, else cpu; such devices are the ones where plain JavaScript is slowest),
// or when neither cpu nor WebGL answers within WASM_WORTH_IT_MS. Below that an answer already
// lands in the frame after the stroke ends, so a faster backend would not show.
//
// Messages in:  {id, type: 'load', modelUrl, inputShape}  {id, type: 'predict', input}
// Messages out: {id, ok: true, ...result}  or  {id, ok: false, message, missingKernel?}
import {checkedFetch} from '../lib/checked-fetch.js';
import * as tf from '@tensorflow/tfjs';
import {startBackend} from '../lib/backend.js';
import {predictOne} from '../lib/predict-one.js';

const WARM_UP_RUNS = 4;  // the first runs move weights, compile shaders and warm the JIT
const TIMED_RUNS = 5;
const SLOWDOWN_IN_USE = {webgl: 2};  // what a backend's load-time timing is multiplied by
// Half a frame at 60 Hz: the other half reads the canvas, prepares the image (1-2 ms), posts
// it both ways and draws the bars.
const WASM_WORTH_IT_MS = 8;
// tfjs' words (engine.runKernel) for a kernel that no module registered for the backend
const NOT_REGISTERED = /^Kernel '([^']+)' not registered for backend/;
let model = null;
let inputShape = null;
const startedBackends = new Set();  // while timing

const predictOnce = (input) => predictOne(model, input, inputShape);

/** A model needing a kernel this bundle does not register: the page starts the full bundle. */
class MissingKernel extends Error {
  constructor(kernel) {
    super(`the model needs the TF.js kernel '${kernel}', which this bundle does not register`);
    this.kernel = kernel;
  }
}

/**
 * Median milliseconds of one prediction of `input` on `backend`; null when the backend cannot
 * start, or cannot run this model (tfjs' wasm backend has fewer kernels than its cpu one).
 */
async function timeBackend(backend, input) {
  if (!(await startBackend(backend))) return null;
  startedBackends.add(backend);
  try {
    for (let i = 0; i < WARM_UP_RUNS; i++) predictOnce(input);
  } catch (err) {
    const missing = NOT_REGISTERED.exec(err?.message ?? '');
    if (!missing) throw err;
    // Every kernel this bundle registers, it registers for each backend: missing on cpu
    // (timed first) means missing from the bundle.
    if (backend === 'cpu') throw new MissingKernel(missing[1]);
    console.warn(`The ${backend} backend cannot run this model: ${err.message}`);
    return null;
  }
  const times = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    const started = performance.now();
    predictOnce(input);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[TIMED_RUNS >> 1];
}

async function load({modelUrl, inputShape: shape}) {
  inputShape = shape;
  await tf.setBackend('cpu');
  model = await tf.loadLayersModel(modelUrl, {fetchFunc: checkedFetch});
  const blank = new Float32Array(inputShape.reduce((a, b) => a * b, 1));
  const timings = {cpu: await timeBackend('cpu', blank), webgl: await timeBackend('webgl', blank)};
  const cost = (name) => timings[name] * (SLOWDOWN_IN_USE[name] ?? 1);
  const fastest = () => Object.keys(timings).filter((name) => timings[name] != null)
    .reduce((best, name) => (cost(name) < cost(best) ? name : best));
  if (timings.webgl == null || cost(fastest()) > WASM_WORTH_IT_MS) timings.wasm = await timeBackend('wasm', blank);
  const backend = fastest();
  await tf.setBackend(backend);
  predictOnce(blank);  // the weights move to the backend kept
  // An unused WebGL context or wasm heap would hold memory for nothing.
  for (const name of startedBackends) {
    if (name !== backend && name !== 'cpu') tf.removeBackend(name);
  }
  return {backend, timings, numTensors: tf.memory().numTensors};
}

function predict({input}) {
  const started = performance.now();
  const probabilities = predictOnce(input);
  return {probabilities, ms: performance.now() - started, numTensors: tf.memory().numTensors};
}

self.onmessage = async ({data: message}) => {
  try {
    const result = message.type === 'load' ? await load(message) : predict(message);
    self.postMessage({id: message.id, ok: true, ...result});
  } catch (err) {
    self.postMessage({id: message.id, ok: false, message: err.message || String(err), missingKernel: err.kernel});
  }
};
