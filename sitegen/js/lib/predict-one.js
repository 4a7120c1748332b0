// One image through a model, its class probabilities read back: what the prediction
// worker and its on-the-page fallback (lib/page-predictor.js) both do for each drawing.
import * as tf from '@tensorflow/tfjs';

/** Float32Array of the probabilities of `input` (one example of `shape` [h, w, c]). */
export function predictOne(model, input, shape) {
  const output = tf.tidy(() => model.predict(tf.tensor(input, [1, ...shape])));
  // dataSync: the async read polls a GPU fence on timers, which adds tens of milliseconds
  // to every answer.
  const probabilities = output.dataSync();
  output.dispose();
  return probabilities;
}
