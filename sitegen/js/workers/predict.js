// A converted model answering one image at a time, off the page's main thread (the draw
// widget's predictions; lib/predictor.js is the page side). A stroke's answer then never
// waits behind the page's own drawing and compositing, and a slow model never freezes it.
//
// The backend is picked by timing this model: the plain JavaScript cpu backend, wasm and
// WebGL (on an OffscreenCanvas) each answer a few predictions, and the fastest is kept,
// WebGL's time counted double: a stroke's answer is asked for just as the page draws the
// stroke, when the GPU is busy, which timings taken at load do not see (on a 2-core machine
// with software WebGL the codelab CNN took 2 ms on the cpu backend against 15 ms on WebGL
// in use, though both timed 5 ms at load). For the small CNNs of the tutorials a processor
// backend wins: one image is too little work to pay for a round trip to the GPU.
//
// Messages in:  {id, type: 'load', modelUrl, inputShape}  {id, type: 'predict', input}
// Messages out: {id, ok: true, ...result}  or  {id, ok: false, message}
import {checkedFetch} from '../lib/checked-fetch.js';
import * as tf from '@tensorflow/tfjs';
import {startBackend} from '../lib/backend.js';
import {predictOne} from '../lib/predict-one.js';

const WARM_UP_RUNS = 4;  // the first runs move weights, compile shaders and warm the JIT
const TIMED_RUNS = 5;
const CANDIDATES = ['cpu', 'wasm', 'webgl'];  // cpu first: the model is loaded there
const SLOWDOWN_IN_USE = {webgl: 2};  // what a backend's load-time timing is multiplied by
let model = null;
let inputShape = null;

const predictOnce = (input) => predictOne(model, input, inputShape);

/** Median milliseconds of one prediction of `input` on `backend`, or null when it cannot start. */
async function timeBackend(backend, input) {
  if (!(await startBackend(backend))) return null;
  for (let i = 0; i < WARM_UP_RUNS; i++) predictOnce(input);
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
  const timings = {};
  for (const name of CANDIDATES) timings[name] = await timeBackend(name, blank);
  const cost = (name) => timings[name] * (SLOWDOWN_IN_USE[name] ?? 1);
  const backend = CANDIDATES.filter((name) => timings[name] != null)
    .reduce((best, name) => (cost(name) < cost(best) ? name : best));
  await tf.setBackend(backend);
  predictOnce(blank);  // the weights move to the backend kept
  // An unused WebGL context or wasm heap would hold memory for nothing.
  for (const name of ['wasm', 'webgl']) {
    if (name !== backend && timings[name] != null) tf.removeBackend(name);
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
    self.postMessage({id: message.id, ok: false, message: err.message || String(err)});
  }
};
