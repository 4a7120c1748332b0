// What `@tensorflow/tfjs` is inside the prediction worker's own bundle (build.mjs sends the
// worker's imports of it here): tfjs-core without gradients or optimizers, the layers API to
// load a converted model, and the cpu and WebGL backends with only the kernels of
// predict-kernels.mjs registered (the module 'sitegen:kernels/<backend>', which build.mjs
// writes). The wasm backend comes the same way with lib/wasm-backend.js, when it is tried.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import 'sitegen:kernels/cpu';
import 'sitegen:kernels/webgl';

export * from '@tensorflow/tfjs-core';
export {loadLayersModel} from '@tensorflow/tfjs-layers';
