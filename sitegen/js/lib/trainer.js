// Training on a loaded MnistData with the data kept on the GPU.
//
// The codelab turns every pixel into a Float32 on the CPU (4 bytes each) and uploads each
// batch. Here the uint8 pixels of the whole split go to the GPU once, as they are: packed
// four to a texel in RGBA8 textures (tf.browser.fromPixels of the bytes), so the upload is
// one byte per pixel and no float copy of the data set is ever made in JS. They are
// normalised to [0, 1] there in one op, and model.fit slices batches there: per batch
// nothing crosses the bus but the loss.
import * as tf from '@tensorflow/tfjs';

const TEXELS_PER_ROW = 1024;  // 4 KiB of pixels per texture row; WebGL2 allows at least 2048

function maxTextureRows() {
  // Other backends read the bytes in place, whatever the size.
  if (tf.getBackend() !== 'webgl') return 4096;
  return Math.min(4096, tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE'));
}

/**
 * An int32 tensor [bytes.length] of `bytes`, uploaded as RGBA8 textures of at most
 * `maxRows` rows each (one texture for up to 16 MiB).
 */
export function uploadBytes(bytes, maxRows = maxTextureRows()) {
  const rowBytes = TEXELS_PER_ROW * 4;
  const chunkBytes = rowBytes * maxRows;
  return tf.tidy(() => {
    const parts = [];
    for (let start = 0; start < bytes.length; start += chunkBytes) {
      let chunk = bytes.subarray(start, start + chunkBytes);
      const rows = Math.ceil(chunk.length / rowBytes);
      if (chunk.length !== rows * rowBytes) {  // the last row is padded to a whole texture row
        const padded = new Uint8Array(rows * rowBytes);
        padded.set(chunk);
        chunk = padded;
      }
      parts.push(tf.browser.fromPixels({data: chunk, width: TEXELS_PER_ROW, height: rows}, 4).reshape([-1]));
    }
    if (parts.length === 0) return tf.tensor1d([], 'int32');
    return (parts.length === 1 ? parts[0] : tf.concat(parts)).slice(0, bytes.length);
  });
}

// model.fit takes each batch with gather, whose WebGL shader reads unpacked textures (one
// value per texel); a packed (2x2 per texel) input would be unpacked whole for every batch,
// which costs more the larger the training set. So the data set is made with packing off.
const PACKING_FLAGS = ['WEBGL_PACK', 'WEBGL_PACK_BINARY_OPERATIONS', 'WEBGL_PACK_UNARY_OPERATIONS'];

function unpacked(make) {
  if (tf.getBackend() !== 'webgl') return make();
  const saved = PACKING_FLAGS.map((flag) => tf.env().getBool(flag));
  PACKING_FLAGS.forEach((flag) => tf.env().set(flag, false));
  try {
    return make();
  } finally {
    PACKING_FLAGS.forEach((flag, i) => tf.env().set(flag, saved[i]));
  }
}

// Labels of a whole split go to the GPU as class indices; one-hot is made there, for the
// split when it is small, else per batch by the sparse loss (13,065 classes one-hot are 52 kB
// of float32 per example: 2.9 GB for 55,000 examples).
const ONE_HOT_MAX_CLASSES = 256;
const ONE_HOT_MAX_VALUES = 1 << 24;  // 64 MiB of float32 for the one-hot labels of a split

/** The loss that fits the labels of n examples of `data`: categorical (one-hot) or sparse (class indices). */
export function lossFor(data, n) {
  const oneHot = data.numClasses <= ONE_HOT_MAX_CLASSES && n * data.numClasses <= ONE_HOT_MAX_VALUES;
  return oneHot ? 'categoricalCrossentropy' : 'sparseCategoricalCrossentropy';
}

/**
 * {xs: [n, h, w, c] float32 in [0, 1], ys, loss} of the first n examples of a split of a
 * loaded MnistData (normalised by its toUnit, on the GPU). `loss` (default: lossFor) says
 * what ys is: 'categoricalCrossentropy', one-hot [n, classes] float32 made on the GPU, or
 * 'sparseCategoricalCrossentropy', class indices [n, 1] float32 (what tfjs' sparse loss
 * and accuracy take; they one-hot each batch on the GPU).
 */
export function splitTensors(data, split, n, loss = null) {
  const count = Math.min(n, data.count(split));
  const kind = loss ?? lossFor(data, count);
  const classes = Int32Array.from(data.classIndices(split, 0, count));
  return unpacked(() => tf.tidy(() => ({
    xs: data.toUnit(uploadBytes(data.images(split, 0, count)).reshape([count, ...data.shape])),
    ys: kind === 'sparseCategoricalCrossentropy'
      ? tf.tensor2d(classes, [count, 1], 'float32')
      : tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), data.numClasses), 'float32'),
    loss: kind,
  })));
}

/**
 * Zeros shaped like splitTensors(data, ..., n, loss): what a warm-up run trains on (the
 * shaders depend on shapes, not values).
 */
export function zerosLike(data, n, loss) {
  return tf.tidy(() => ({
    xs: tf.zeros([n, ...data.shape]),
    ys: loss === 'sparseCategoricalCrossentropy' ? tf.zeros([n, 1]) : tf.zeros([n, data.numClasses]),
    loss,
  }));
}

/**
 * model.fit with a Stop signal, examples per second and per-batch / per-epoch hooks.
 * Aborting `signal` (an AbortSignal) ends training after the current batch; onEpoch hears of
 * whole epochs only.
 * Returns {examples (all trained on), epochs (finished), seconds, examplesPerSecond, stopped, history};
 * seconds and examplesPerSecond leave out the first batch, which compiles the shaders.
 */
export async function fitModel(model, train, validation, {epochs, batchSize, signal = null, onBatch, onEpoch}) {
  const n = train.xs.shape[0];
  const batchesPerEpoch = Math.ceil(n / batchSize);
  let examples = 0;
  let epochsDone = 0;
  let epochBatches = 0;  // batches of the current epoch
  let timedExamples = 0;
  let started = null;
  let seen = 0;  // batches since the clock started
  const history = await model.fit(train.xs, train.ys, {
    epochs,
    batchSize,
    shuffle: true,
    validationData: validation ? [validation.xs, validation.ys] : undefined,
    yieldEvery: 'never',
    callbacks: {
      onBatchEnd: async (batch, logs) => {
        examples += logs.size ?? batchSize;
        epochBatches += 1;
        // The first batch compiles the shaders: the clock starts after it.
        if (started === null) {
          started = performance.now();
        } else {
          timedExamples += logs.size ?? batchSize;
          seen += 1;
        }
        const seconds = (performance.now() - started) / 1000;
        const rate = seconds > 0 ? timedExamples / seconds : 0;
        if (onBatch) await onBatch({batch, logs, examples, examplesPerSecond: rate, batchesPerEpoch});
        if (signal?.aborted) model.stopTraining = true;
        // Let the page paint (progress, charts) without waiting on timers.
        if (seen % 4 === 0) await tf.nextFrame();
      },
      // tfjs ends a stopped epoch too, with the logs of its first batches: only whole epochs count.
      onEpochEnd: async (epoch, logs) => {
        const whole = epochBatches === batchesPerEpoch;
        epochBatches = 0;
        if (!whole) return;
        epochsDone = epoch + 1;
        if (onEpoch) await onEpoch({epoch, logs});
        if (signal?.aborted) model.stopTraining = true;
      },
    },
  });
  const seconds = started ? (performance.now() - started) / 1000 : 0;
  return {examples, epochs: epochsDone, seconds, examplesPerSecond: seconds > 0 ? timedExamples / seconds : 0,
    stopped: Boolean(signal?.aborted), history: history.history};
}
