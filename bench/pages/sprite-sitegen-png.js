// Page load -> data ready with sitegen's generated loader (data/<name>/data.js), for the
// 40,000-example data set the bench builds, reading its PNG shards: bench-data/mnist40k-png/ holds
// them with a data.js rendered from the manifest less the packed copies (bench_widgets.py
// png_only_copy). tfjs is imported first, as on the codelab page.
import * as tf from '../js/tfjs.js';
import {MnistData} from '../bench-data/mnist40k-png/data.js';

const html = document.documentElement;
const moduleStart = performance.now();
const data = new MnistData({tf});
data.load().then(() => {
  html.dataset.readyMs = String(performance.now());
  html.dataset.moduleStartMs = String(moduleStart);
  html.dataset.examples = String(data.numTrain + data.numTest);
  // A checksum of what was decoded, so both pages can be compared on the same pixels.
  let sum = 0;
  for (let i = 0; i < data.trainImages.length; i += 7919) sum += data.trainImages[i];
  html.dataset.checksum = String(sum);
  html.dataset.ready = 'true';
}, (err) => {
  html.dataset.error = String(err && err.stack || err);
  html.dataset.ready = 'error';
});
