// The one TensorFlow.js instance of a page. Widgets import '@tensorflow/tfjs' and esbuild
// puts it in a shared chunk, so this entry and every widget see the same module.
import * as tf from '@tensorflow/tfjs';

// For code written against the codelab's globals (the UMD build's `tf`).
globalThis.tf = tf;

export * from '@tensorflow/tfjs';
