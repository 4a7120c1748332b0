// Page load -> data ready with sitegen's generated loader (data/<name>/data.js), for the
// 40,000-example data set the bench builds: its data.js as built (packed xz shards), or the
// one the page's <html data-loader> names (sprite-sitegen-png.html: bench-data/mnist40k-png/,
// the same build's PNG shards with a data.js rendered from the manifest less the packed
// copies, bench_widgets.py png_only_copy). tfjs is imported first, as on the codelab page
// (whose <script> tags load tf before its data.js runs).
import * as tf from '../js/tfjs.js';

const html = document.documentElement;
const {MnistData} = await import(html.dataset.loader ?? '../data/mnist40k/data.js');
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
