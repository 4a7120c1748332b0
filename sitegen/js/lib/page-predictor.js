// lib/predictor.js' fallback: the model on the page's own backend, for browsers where the
// prediction worker cannot start. A module of its own, so pages whose worker runs never
// load tfjs on the main thread.
import * as tf from '@tensorflow/tfjs';
import {loadModel} from './resources.js';

export async function pagePredictor(context, name, inputShapeOf, shell) {
  const page = await shell.useBackend();
  const {model, metadata} = await loadModel(context, name);
  const shape = [1, ...inputShapeOf(metadata)];
  const predictNow = (input) => {
    const started = performance.now();
    const output = tf.tidy(() => model.predict(tf.tensor(input, shape)));
    // dataSync: the async read polls a GPU fence on timers, which adds tens of
    // milliseconds to every answer.
    const probabilities = output.dataSync();
    output.dispose();
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
