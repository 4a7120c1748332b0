// Picks the TF.js backend once per page: WebGL, else wasm, else cpu. Readers are told when
// the page falls back, because training then runs ten to a hundred times slower.
import * as tf from '@tensorflow/tfjs';
import {WEBGL_MISSING} from './notice.js';

const WHY = {
  webgl: WEBGL_MISSING,
  wasm: 'WebAssembly could not start (this site\'s security policy does not allow compiling it, ' +
        'or the browser does not support it)',
};

let choice = null;  // one promise per page: every widget waits for the same decision

async function tryWebgl() {
  try {
    return await tf.setBackend('webgl');
  } catch (err) {
    return false;
  }
}

async function tryWasm() {
  try {
    // Loaded only on fallback: its chunk and .wasm files never reach WebGL readers.
    const wasm = await import('./wasm-backend.js');
    await wasm.registerWasm();
    return await tf.setBackend('wasm');
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
  if (await tryWebgl()) return {name: 'webgl', fallback: false, message: ''};
  if (await tryWasm()) {
    return {name: 'wasm', fallback: true,
      message: `${WHY.webgl}, so this demo runs on WebAssembly: slower than on the graphics card.`};
  }
  await tf.setBackend('cpu');
  return {name: 'cpu', fallback: true,
    message: `${WHY.webgl} and ${WHY.wasm}, so this demo runs on the plain JavaScript (cpu) backend: ` +
             'expect training to be slow. A browser with WebGL (Chrome, Firefox, Safari, Edge) is much faster.'};
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
