// Picks the TF.js backend once per page: WebGL, else wasm, else cpu. Readers are told when
// the page falls back, because every demo then runs slower (lib/backend-notice.js).
// startBackend() is also how the prediction worker (workers/predict.js) tries each backend.
import * as tf from '@tensorflow/tfjs';
import {slowBackendNotice} from './backend-notice.js';

const PREFERRED = ['webgl', 'wasm', 'cpu'];  // fastest first, for training and whole data sets

let choice = null;  // one promise per page: every widget waits for the same decision

/** Switch tfjs to `name` ('webgl', 'wasm' or 'cpu'); false when it cannot start here. */
export async function startBackend(name) {
  try {
    // The wasm backend's chunk and binaries load only when wasm is tried.
    if (name === 'wasm') await import('./wasm-backend.js');
    return await tf.setBackend(name);
  } catch (err) {
    return false;
  }
}

/**
 * Resolve to {name, fallback, message}: the backend in use, whether it is a fallback, and
 * the sentence to show when it is.
 */
export function selectBackend() {
  if (!choice) choice = pick();
  return choice;
}

async function pick() {
  for (const name of PREFERRED) {
    if (await startBackend(name)) {
      const fallback = name !== PREFERRED[0];
      return {name, fallback, message: fallback ? slowBackendNotice(name) : ''};
    }
  }
  throw new Error('TensorFlow.js could not start any backend (webgl, wasm or cpu) in this browser.');
}

/** Call `onLost` once if the WebGL context of the tfjs backend is lost (driver reset, GPU sleep). */
export function watchContextLoss(onLost) {
  if (tf.getBackend() !== 'webgl') return () => {};
  const canvas = tf.backend()?.gpgpu?.gl?.canvas;
  if (!canvas || !canvas.addEventListener) return () => {};
  const handler = (event) => {
    event.preventDefault();
    onLost();
  };
  canvas.addEventListener('webglcontextlost', handler, {once: true});
  return () => canvas.removeEventListener('webglcontextlost', handler);
}

export const CONTEXT_LOST_HINT = 'The graphics card (WebGL) stopped working for this page, ' +
  'which happens when the GPU is reset or the computer wakes from sleep. Reload the page to start again.';
