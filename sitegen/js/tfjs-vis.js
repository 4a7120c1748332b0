// tfjs-vis on top of the shared tfjs instance; loaded only by pages that train.
import * as tfvisModule from '@tensorflow/tfjs-vis';
import './tfjs.js';

// tfjs-vis ships CommonJS, so esbuild cannot re-export its names statically: name them here.
const tfvis = tfvisModule.default ?? tfvisModule;
export const {visor, show, render, metrics} = tfvis;

globalThis.tfvis = tfvis;
