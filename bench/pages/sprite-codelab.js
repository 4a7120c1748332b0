// Page load -> data ready the way the TF.js codelab's data.js does it: one big sprite PNG
// (one example per row) loaded into an <img>, drawn onto a 5,000-row canvas chunk by chunk,
// read back with getImageData and turned into a Float32Array of [0, 1] values; the labels
// (one-hot uint8) fetched alongside; then train and test copies sliced off.
// Written for the benchmark after the codelab's description, not copied from it.
// tf is loaded first, as the codelab's <script> tags do, though this loader never calls it.
import '../js/tfjs.js';

const IMAGE_SIZE = 784;
const NUM_CLASSES = 10;
const NUM_EXAMPLES = 40000;
const NUM_TRAIN = 34000;
const CHUNK_ROWS = 5000;
const SPRITE = '../bench-data/mnist_images.png';
const LABELS = '../data/mnist40k/labels_uint8';

function loadImages() {
  return new Promise((resolve, reject) => {
    const img = new Image();
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d');
    img.onerror = () => reject(new Error(`${SPRITE} failed to load`));
    img.onload = () => {
      const pixels = new Float32Array(NUM_EXAMPLES * IMAGE_SIZE);
      canvas.width = img.naturalWidth;
      canvas.height = CHUNK_ROWS;
      for (let chunk = 0; chunk < NUM_EXAMPLES / CHUNK_ROWS; chunk++) {
        const view = new Float32Array(pixels.buffer, chunk * CHUNK_ROWS * IMAGE_SIZE * 4, CHUNK_ROWS * IMAGE_SIZE);
        ctx.drawImage(img, 0, chunk * CHUNK_ROWS, img.naturalWidth, CHUNK_ROWS, 0, 0, img.naturalWidth, CHUNK_ROWS);
        const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let j = 0; j < rgba.length / 4; j++) view[j] = rgba[j * 4] / 255;
      }
      resolve(pixels);
    };
    img.src = SPRITE;
  });
}

async function loadLabels() {
  const response = await fetch(LABELS);
  return new Uint8Array(await response.arrayBuffer());
}

const html = document.documentElement;
const moduleStart = performance.now();
Promise.all([loadImages(), loadLabels()]).then(([images, labels]) => {
  const trainImages = images.slice(0, IMAGE_SIZE * NUM_TRAIN);
  const testImages = images.slice(IMAGE_SIZE * NUM_TRAIN);
  const trainLabels = labels.slice(0, NUM_CLASSES * NUM_TRAIN);
  const testLabels = labels.slice(NUM_CLASSES * NUM_TRAIN);
  html.dataset.readyMs = String(performance.now());
  html.dataset.moduleStartMs = String(moduleStart);
  html.dataset.examples = String(trainImages.length / IMAGE_SIZE + testImages.length / IMAGE_SIZE);
  let sum = 0;
  for (let i = 0; i < trainImages.length; i += 7919) sum += Math.round(trainImages[i] * 255);
  html.dataset.checksum = String(sum);
  html.dataset.labels = String(trainLabels.length + testLabels.length);
  html.dataset.ready = 'true';
}, (err) => {
  html.dataset.error = String(err && err.stack || err);
  html.dataset.ready = 'error';
});
