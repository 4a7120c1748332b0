// data.js: loads the sitegen data set "__NAME__" in the browser (generated; do not edit).
//
// The codelab's MnistData API: `await data.load()`, then `nextTrainBatch(n)` (random
// examples) and `nextTestBatch(n)` (the next ones in order) give
// {xs: Tensor2D [n, h*w*c] in [0, 1], labels: Tensor2D [n, numClasses]};
// `getTrainData()` / `getTestData(n)` give xs as Tensor4D [n, h, w, c].
// Pixels stay uint8 (`trainImages`, `testImages`, one example after another) until a
// batch is made. Labels are kept as class indices and made one-hot on the GPU
// (tf.oneHot) for each batch. The file holds them one-hot (uint8, numClasses bytes per
// example: `trainLabels`, `testLabels` are those bytes) for up to 256 classes, and as 2-byte
// class indices beyond (13,065 classes one-hot would be 13 kB per example; `trainLabels`
// then throws: use the accessors below). manifest.labels.encoding says which.
// getTrainData() / getTestData() of many classes make [n, numClasses] float32 on the GPU:
// ask for what fits (4 bytes per class per example).
//
// sitegen's widgets read examples by split ('train' or 'test') and index within it:
// `count(split)`, `image(split, i)` (uint8 h*w*c), `label(split, i)` (class index),
// `images(split, start, end)` (a view), `classIndices(split, start, end)` (a view),
// `oneHotLabels(split, start, end)` (uint8 one-hot of a range: a view, or made for the range
// when the file holds indices), `oneHotTensor(indices)` (float32 [n, numClasses], on the
// GPU), and turn pixels into model input with `toUnit(pixels)`, the one uint8 -> [0, 1] mapping.

const MANIFEST = __MANIFEST__;
const HERE = new URL('./', import.meta.url);
// The site's stable aliases of its tfjs bundle and of the xz decoder of packed shards
// (assets/ names are fingerprinted).
const TFJS_MODULE = new URL('../../js/tfjs.js', import.meta.url);
const XZ_MODULE = new URL('../../js/xz.js', import.meta.url);
// manifest.sprite.packed: the codec of the shards' packed copies this loader reads.
const PACKED_CODECS = ['xz'];
// Decode at most this many pixels at once, so a shard never needs a huge canvas.
const CHUNK_PIXELS = 1 << 20;
// value / 255 as float32, the same numbers numpy gives for x.astype('float32') / 255.
const TO_UNIT = Float32Array.from({length: 256}, (_, v) => v / 255);
// manifest.labels.encoding -> bytes per example (null: numClasses, one-hot).
const LABEL_BYTES = {'one-hot uint8': null, 'index uint8': 1, 'index uint16le': 2};

// The one place tf is found: a page's global (codelab style) or the site's bundle.
async function findTf() {
  if (globalThis.tf) return globalThis.tf;
  const module = await import(TFJS_MODULE.href);
  return globalThis.tf ?? module;
}

// The bytes of `file` (checked against its size in manifest.json); `onChunk` sees each piece
// as it arrives, so that a packed shard is decoded while it downloads.
async function fetchBytes(file, report, onChunk = () => {}) {
  const url = new URL(file.path, HERE);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    report(bytes.length);
    onChunk(bytes);
    return bytes;
  }
  const bytes = new Uint8Array(file.bytes);
  const reader = response.body.getReader();
  let offset = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    if (offset + value.length > bytes.length) throw new Error(`${url}: larger than the ${file.bytes} bytes in manifest.json`);
    bytes.set(value, offset);
    offset += value.length;
    report(value.length);
    onChunk(value);
  }
  if (offset !== file.bytes) throw new Error(`${url}: ${offset} bytes, manifest.json says ${file.bytes}`);
  return bytes;
}

// Class indices (Uint8Array up to 256 classes, else Uint16Array) from the labels file.
function decodeLabels(bytes, encoding, total, numClasses, path) {
  if (!(encoding in LABEL_BYTES)) throw new Error(`${path}: unknown label encoding ${JSON.stringify(encoding)}`);
  const perExample = LABEL_BYTES[encoding] ?? numClasses;
  if (bytes.length !== total * perExample) {
    throw new Error(`${path}: ${bytes.length} bytes, expected ${total * perExample} (${total} examples, ${encoding})`);
  }
  // Uint16 for every 2-byte file, so that a corrupt index is seen rather than truncated.
  const indices = numClasses <= 256 && perExample !== 2 ? new Uint8Array(total) : new Uint16Array(total);
  if (encoding === 'one-hot uint8') {
    for (let i = 0; i < total; i++) indices[i] = bytes.subarray(i * numClasses, (i + 1) * numClasses).indexOf(1);
  } else if (encoding === 'index uint8') {
    indices.set(bytes);
  } else {
    for (let i = 0; i < total; i++) indices[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);  // little-endian
  }
  for (let i = 0; i < total; i++) {
    if (indices[i] >= numClasses) throw new Error(`${path}: example ${i} has no class (corrupt labels?)`);
  }
  return indices;
}

async function checkSha256(bytes, file) {
  if (!globalThis.crypto?.subtle) return;  // only in secure contexts
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  if (hex !== file.sha256) throw new Error(`${file.path}: sha256 differs from manifest.json (stale cache?)`);
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

// Copy one sprite shard's pixels into `target` without colour conversion or
// premultiplication: channel R of a grayscale PNG, or R, G, B of an RGB one. Whatever the
// layout (manifest.sprite.layout: one example per PNG row, or one image row per PNG row),
// the pixels in raster order are the shard's examples one after another; the shard's
// width and height say which (manifests without them have one example per row).
async function decodeShard(bytes, shard, target, exampleSize, channels) {
  const blob = new Blob([bytes], {type: 'image/png'});
  const bitmap = await createImageBitmap(blob, {premultiplyAlpha: 'none', colorSpaceConversion: 'none'});
  const width = bitmap.width;
  const height = bitmap.height;
  const wantWidth = shard.width ?? exampleSize / channels;
  const wantHeight = shard.height ?? shard.count;
  if (width !== wantWidth || height !== wantHeight || width * height * channels !== shard.count * exampleSize) {
    bitmap.close();
    throw new Error(`${shard.path}: ${width}x${height} pixels, manifest.json says ${wantWidth}x${wantHeight}`);
  }
  const chunkRows = Math.max(1, Math.min(height, Math.floor(CHUNK_PIXELS / width)));
  const canvas = makeCanvas(width, chunkRows);
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.imageSmoothingEnabled = false;
  context.globalCompositeOperation = 'copy';
  let out = shard.start * exampleSize;
  for (let row = 0; row < height; row += chunkRows) {
    const rows = Math.min(chunkRows, height - row);
    context.drawImage(bitmap, 0, row, width, rows, 0, 0, width, rows);
    const rgba = context.getImageData(0, 0, width, rows).data;
    if (channels === 1) {
      for (let i = 0; i < rgba.length; i += 4) target[out++] = rgba[i];
    } else {
      for (let i = 0; i < rgba.length; i += 4) {
        target[out++] = rgba[i];
        target[out++] = rgba[i + 1];
        target[out++] = rgba[i + 2];
      }
    }
  }
  bitmap.close();
}

// Download one packed (xz) shard and decode it as it arrives: its pixels, the shard's
// examples one after another, go into `target`. Resolves, once downloaded, to the bytes (for
// the sha256 check, whose message is the clearer one when a stale file fails to decode) and
// the promise of the decoding.
async function fetchPacked(shard, target, exampleSize, report) {
  const {XzReadableStream} = await import(XZ_MODULE.href);
  let feed;
  const compressed = new ReadableStream({start(controller) { feed = controller; }});
  const decoded = decodePacked(new XzReadableStream(compressed), shard, target, exampleSize);
  decoded.catch(() => {});  // handled below, after the download (a decoder error stops feeding it)
  // Once the decoder has failed its input stream is closed, and the rest of the download is
  // only counted and checked.
  const tryTo = (act) => { try { act(); } catch { /* the decoder stopped: its error follows */ } };
  let bytes;
  try {
    bytes = await fetchBytes(shard.packed, report, (chunk) => tryTo(() => feed.enqueue(chunk)));
  } catch (err) {
    tryTo(() => feed.error(err));
    throw err;  // the download's error is the one to report
  }
  tryTo(() => feed.close());
  return {bytes, decoded};
}

async function decodePacked(pixels, shard, target, exampleSize) {
  const path = shard.packed.path;
  const reader = pixels.getReader();
  const start = shard.start * exampleSize;
  const end = start + shard.count * exampleSize;
  let out = start;
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      if (out + value.length > end) throw new Error(`more pixels than the ${shard.count} examples in manifest.json`);
      target.set(value, out);
      out += value.length;
    }
  } catch (err) {
    throw new Error(`${path}: could not be decoded (${err.message ?? err})`);
  }
  if (out !== end) throw new Error(`${path}: ${out - start} pixels, manifest.json says ${end - start}`);
}

export class MnistData {
  #oneHot = null;  // the labels file's bytes when it is one-hot, else null
  #indices = null;  // class index of every example, train then test

  /** @param {{tf?: object}} options  pass `tf` to use a particular tfjs instance */
  constructor({tf} = {}) {
    this.tf = tf ?? null;
    this.manifest = MANIFEST;
    this.name = MANIFEST.name;
    this.classNames = MANIFEST.classes.slice();
    this.numClasses = MANIFEST.numClasses;
    this.shape = MANIFEST.shape.slice();
    this.exampleSize = this.shape[0] * this.shape[1] * this.shape[2];
    this.numTrain = MANIFEST.counts.train;
    this.numTest = MANIFEST.counts.test;
    this.labelEncoding = MANIFEST.labels.encoding ?? 'one-hot uint8';
    this.trainImages = this.testImages = null;
    this.shuffledTrainIndex = 0;
    this.testIndex = 0;
  }

  /**
   * Fetch and decode the sprite shards and labels.
   * @param {{onProgress?: (p: {loaded: number, total: number, fraction: number}) => void,
   *          verify?: boolean}} options  `verify` (the default) checks every file's sha256
   *   against manifest.json where the browser can (secure contexts: https and localhost), so
   *   a stale or damaged file fails here, naming itself, instead of training on wrong labels
   */
  async load({onProgress, verify = true} = {}) {
    this.tf = this.tf ?? await findTf();
    const packed = MANIFEST.sprite?.packed ?? null;
    if (packed && !PACKED_CODECS.includes(packed)) {
      throw new Error(`manifest.json: unknown packed sprite codec ${JSON.stringify(packed)} (a newer sitegen wrote it?)`);
    }
    // The packed copy of each shard when there is one (smaller to download), else its PNG.
    const files = [...MANIFEST.shards.map((shard) => shard.packed ?? shard), MANIFEST.labels];
    const total = files.reduce((sum, file) => sum + file.bytes, 0);
    let loaded = 0;
    const report = (n) => {
      loaded += n;
      if (onProgress) onProgress({loaded, total, fraction: total ? loaded / total : 1});
    };
    const images = new Uint8Array(MANIFEST.counts.total * this.exampleSize);
    // Packed shards are decoded as they download; PNGs once downloaded, one at a time below.
    const downloads = files.map((file, k) => (k < MANIFEST.shards.length && MANIFEST.shards[k].packed
      ? fetchPacked(MANIFEST.shards[k], images, this.exampleSize, report)
      : fetchBytes(file, report)));
    // Decode one PNG at a time so only one decoded bitmap is in memory.
    for (const [k, shard] of MANIFEST.shards.entries()) {
      const download = await downloads[k];
      const bytes = shard.packed ? download.bytes : download;
      if (verify) await checkSha256(bytes, files[k]);
      if (shard.packed) await download.decoded;
      else await decodeShard(bytes, shard, images, this.exampleSize, MANIFEST.shape[2]);
    }
    const labels = await downloads[files.length - 1];
    if (verify) await checkSha256(labels, MANIFEST.labels);
    this.#indices = decodeLabels(labels, this.labelEncoding, MANIFEST.counts.total, this.numClasses,
      MANIFEST.labels.path);
    this.#oneHot = this.labelEncoding === 'one-hot uint8' ? labels : null;
    const trainPixels = this.numTrain * this.exampleSize;
    this.trainImages = images.subarray(0, trainPixels);
    this.testImages = images.subarray(trainPixels);
    this.trainIndices = this.tf.util.createShuffledIndices(this.numTrain);
    this.shuffledTrainIndex = 0;
    this.testIndex = 0;
    return this;
  }

  /** Examples in a split: 'train' or 'test'. */
  count(split) {
    return this.part(split).count;
  }

  /** The uint8 pixels (h*w*c, a view) of examples start..end-1 of a split, one after another. */
  images(split, start = 0, end = this.count(split)) {
    const {images, count} = this.part(split);
    checkRange(split, start, end, count);
    return images.subarray(start * this.exampleSize, end * this.exampleSize);
  }

  /** The uint8 pixels (h*w*c, a view) of example i of a split. */
  image(split, i) {
    return this.images(split, i, i + 1);
  }

  /** The one-hot label bytes of the training examples (only when the labels file is one-hot). */
  get trainLabels() {
    return this.#oneHotPart(0, this.numTrain);
  }

  /** The one-hot label bytes of the test examples (only when the labels file is one-hot). */
  get testLabels() {
    return this.#oneHotPart(this.numTrain, this.numTrain + this.numTest);
  }

  #oneHotPart(start, end) {
    if (!this.#indices) return null;
    if (!this.#oneHot) {
      throw new Error(`MnistData: the ${this.numClasses} classes of "${this.name}" are stored as class indices ` +
        `(${this.labelEncoding}), not one-hot: use label(split, i), classIndices(split, start, end), ` +
        `oneHotLabels(split, start, end) or a batch`);
    }
    return this.#oneHot.subarray(start * this.numClasses, end * this.numClasses);
  }

  /** Class indices (Uint8Array, or Uint16Array above 256 classes; a view) of examples start..end-1 of a split. */
  classIndices(split, start = 0, end = this.count(split)) {
    const {count} = this.part(split);
    checkRange(split, start, end, count);
    const offset = split === 'train' ? 0 : this.numTrain;
    return this.#indices.subarray(offset + start, offset + end);
  }

  /**
   * One-hot uint8 labels (numClasses bytes each) of examples start..end-1 of a split: a view
   * of the file's bytes when it is one-hot, else made for this range (numClasses bytes per
   * example: for a whole split of many classes use batches or oneHotTensor instead).
   */
  oneHotLabels(split, start = 0, end = this.count(split)) {
    const indices = this.classIndices(split, start, end);
    if (this.#oneHot) {
      const offset = (split === 'train' ? 0 : this.numTrain) + start;
      return this.#oneHot.subarray(offset * this.numClasses, (offset + indices.length) * this.numClasses);
    }
    const out = new Uint8Array(indices.length * this.numClasses);
    indices.forEach((k, i) => { out[i * this.numClasses + k] = 1; });
    return out;
  }

  /** The class index of example i of a split (an index into classNames). */
  label(split, i) {
    return this.classIndices(split, i, i + 1)[0];
  }

  /** Float32 one-hot Tensor2D [n, numClasses] of class indices (any array of n), made on the GPU. */
  oneHotTensor(indices) {
    const tf = this.tf;
    return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(indices), 'int32'), this.numClasses),
      'float32'));
  }

  /**
   * Pixels as models see them: uint8 0..255 to float32 0..1, v / 255 as numpy computes
   * x.astype('float32') / 255. A tensor (any shape, any backend) gives a float32 tensor; a
   * Uint8Array gives a Float32Array, or is written into `out` from `offset`.
   */
  toUnit(pixels, out = null, offset = 0) {
    if (ArrayBuffer.isView(pixels)) {
      const target = out ?? new Float32Array(pixels.length);
      for (let j = 0; j < pixels.length; j++) target[offset + j] = TO_UNIT[pixels[j]];
      return target;
    }
    const tf = this.tf;
    return tf.tidy(() => tf.div(tf.cast(pixels, 'float32'), tf.scalar(255)));
  }

  /** A random batch of training examples: {xs: [n, h*w*c], labels: [n, numClasses]}. */
  nextTrainBatch(batchSize) {
    return this.makeBatch(batchSize, 'train', () => {
      this.shuffledTrainIndex = (this.shuffledTrainIndex + 1) % this.trainIndices.length;
      return this.trainIndices[this.shuffledTrainIndex];
    });
  }

  /** The next batch of test examples, in order (wrapping around). */
  nextTestBatch(batchSize) {
    return this.makeBatch(batchSize, 'test', () => {
      this.testIndex = (this.testIndex + 1) % this.numTest;
      return this.testIndex;
    });
  }

  /** All training examples: {xs: Tensor4D [numTrain, h, w, c], labels: Tensor2D}. */
  getTrainData() {
    return this.wholeSplit('train', this.numTrain);
  }

  /** The first `numExamples` test examples (all when omitted). */
  getTestData(numExamples) {
    const n = numExamples == null ? this.numTest : Math.min(numExamples, this.numTest);
    return this.wholeSplit('test', n);
  }

  makeBatch(batchSize, split, nextIndex) {
    const {images} = this.part(split);
    const classes = this.classIndices(split);
    const size = this.exampleSize;
    const xs = new Float32Array(batchSize * size);
    const ys = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const index = nextIndex();
      this.toUnit(images.subarray(index * size, (index + 1) * size), xs, i * size);
      ys[i] = classes[index];
    }
    const tf = this.tf;
    return tf.tidy(() => ({xs: tf.tensor2d(xs, [batchSize, size]), labels: this.oneHotTensor(ys)}));
  }

  wholeSplit(split, n) {
    const {images} = this.part(split);
    const [h, w, c] = this.shape;
    const xs = this.toUnit(images.subarray(0, n * this.exampleSize));
    const tf = this.tf;
    return tf.tidy(() => ({xs: tf.tensor4d(xs, [n, h, w, c]), labels: this.oneHotTensor(this.classIndices(split, 0, n))}));
  }

  checkLoaded() {
    if (!this.trainImages) throw new Error('MnistData: call `await data.load()` first');
  }

  part(split) {
    this.checkLoaded();
    if (split === 'train') return {images: this.trainImages, count: this.numTrain};
    if (split === 'test') return {images: this.testImages, count: this.numTest};
    throw new Error(`MnistData: unknown split ${JSON.stringify(split)} (expected 'train' or 'test')`);
  }
}

function checkRange(split, start, end, count) {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= count)) {
    throw new RangeError(`MnistData: examples ${start}..${end} are outside the ${split} split (0..${count})`);
  }
}
