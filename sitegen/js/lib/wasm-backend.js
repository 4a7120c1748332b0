// tfjs' wasm backend, with its binaries served by the site itself, in a chunk of its own:
// importing this module registers the 'wasm' backend (lib/backend.js imports it only when
// a page or the prediction worker tries that backend, so WebGL readers never fetch it). In
// the prediction worker's own bundle the import below is the backend's base with only the
// worker's kernels registered (js/build.mjs).
//
// esbuild's file loader copies each .wasm into assets/ under a content-hashed name and gives
// its path relative to this chunk, resolved here against import.meta.url, so the files are
// found from any subpath and are cached as immutable like every other asset. Only one
// binary is ever fetched: the SIMD one where the browser has SIMD, else the plain one. The
// threaded one needs a cross-origin isolated page (SharedArrayBuffer), which this site's
// headers do not ask for; tfjs insists on a path for all three.
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm';

const at = (path) => new URL(path, import.meta.url).href;
setWasmPaths({
  'tfjs-backend-wasm.wasm': at(plain),
  'tfjs-backend-wasm-simd.wasm': at(simd),
  'tfjs-backend-wasm-threaded-simd.wasm': at(threaded),
});
