// The one sentence a reader sees when a demo runs without its fast path. Worded for every
// widget (it says what runs slower, not what the widget does with it), and free of tfjs:
// the draw widget's page shows it while its model runs in a worker.
import {WEBGL_MISSING} from './notice.js';

/** The notice for a demo left on `backend`: 'wasm' (no WebGL) or 'cpu' (neither WebGL nor wasm). */
export function slowBackendNotice(backend) {
  if (backend === 'wasm') {
    return `${WEBGL_MISSING}, so this demo runs on the processor with WebAssembly, which is slower than the graphics card.`;
  }
  return `${WEBGL_MISSING} and WebAssembly could not start, so this demo runs in plain JavaScript ` +
    '(the cpu backend), which is much slower.';
}
