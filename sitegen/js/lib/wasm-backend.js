// The wasm backend and its binaries, in a chunk of their own (imported only on fallback).
// esbuild's file loader copies each .wasm next to the bundles and gives its path relative
// to this chunk, which is resolved against import.meta.url so it works from any subpath.
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm';

export async function registerWasm() {
  const at = (path) => new URL(path, import.meta.url).href;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': at(plain),
    'tfjs-backend-wasm-simd.wasm': at(simd),
    'tfjs-backend-wasm-threaded-simd.wasm': at(threaded),
  });
}
