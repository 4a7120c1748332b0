// lib/predictor.js' fallback: the model on the page's own backend, for browsers where the
// prediction worker cannot start. A module of its own, so pages whose worker runs never
// load tfjs on the main thread.
import * as tf from '@tensorflow/tfjs';
import {loadModel} from './resources.js';
import {predictOne} from './predict-one.js';

export async function pagePredictor(context, name, inputShapeOf, shell) {
  const page = await shell.useBackend();
  const {model, metadata} = await loadModel(context, name);
  const shape = inputShapeOf(metadata);
  const predictNow = (input) => {
    const started = performance.now();
    const probabilities = predictOne(model, input, shape);
    predictor.lastModelMs = performance.now() - started;
    return probabilities;
  };
  const predictor = {
    metadata,
    backend: page.name,
    notice: null,  // the shell has shown it
    where: 'page',
    timings: null,
    lastModelMs: null,
    predict: async (input) => predictNow(input),
    numTensors: () => tf.memory().numTensors,
  };
  predictNow(new Float32Array(shape.reduce((a, b) => a * b, 1)));  // compiles the shaders now
  return predictor;
}
