// tfjs-vis on top of the shared tfjs instance, for authors' own scripts (the widgets draw
// their charts without it, or vega: lib/svg-charts.js). Nothing
// loads it unless a page's script imports it, and importing it is the way to wait for it:
//   const tfvis = await import('../js/tfjs-vis.js');  // also sets window.tfvis
import * as tfvisModule from '@tensorflow/tfjs-vis';
import './tfjs.js';

// tfjs-vis ships CommonJS, so esbuild cannot re-export its names statically: name them here.
const tfvis = tfvisModule.default ?? tfvisModule;
export const {visor, show, render, metrics} = tfvis;

globalThis.tfvis = tfvis;
