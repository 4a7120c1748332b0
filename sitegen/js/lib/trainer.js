// Training on a loaded MnistData with the data kept on the GPU.
//
// The codelab turns every pixel into a Float32 on the CPU and uploads each batch. Here the
// uint8 pixels of the whole split go up once, as int32 (WebGL has no 8-bit tensors), are
// normalised to [0, 1] on the GPU in one op, and model.fit slices batches there: per batch
// nothing crosses the bus but the loss.
import * as tf from '@tensorflow/tfjs';

/** {xs: [n, h, w, c] float32 in [0, 1], ys: [n, classes] float32} of the first n examples. */
export function splitTensors(data, split, n) {
  const images = split === 'train' ? data.trainImages : data.testImages;
  const labels = split === 'train' ? data.trainLabels : data.testLabels;
  const count = Math.min(n, split === 'train' ? data.numTrain : data.numTest);
  const [height, width, channels] = data.shape;
  return tf.tidy(() => {
    const raw = tf.tensor4d(new Int32Array(images.subarray(0, count * data.exampleSize)),
      [count, height, width, channels], 'int32');
    return {
      xs: raw.toFloat().mul(tf.scalar(1 / 255)),
      ys: tf.tensor2d(labels.subarray(0, count * data.numClasses), [count, data.numClasses], 'float32'),
    };
  });
}

/**
 * model.fit with a Stop flag, examples per second and per-batch / per-epoch hooks.
 * `control.stop = true` ends training after the current batch.
 * Returns {examples, seconds, examplesPerSecond, stopped, history}.
 */
export async function fitModel(model, train, validation, {epochs, batchSize, control, onBatch, onEpoch}) {
  const n = train.xs.shape[0];
  const batchesPerEpoch = Math.ceil(n / batchSize);
  let examples = 0;
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
        // The first batch compiles the shaders: the clock starts after it.
        if (started === null) {
          started = performance.now();
        } else {
          examples += logs.size ?? batchSize;
          seen += 1;
        }
        const seconds = started ? (performance.now() - started) / 1000 : 0;
        const rate = seconds > 0 ? examples / seconds : 0;
        if (onBatch) await onBatch({batch, logs, examplesPerSecond: rate, batchesPerEpoch});
        if (control.stop) model.stopTraining = true;
        // Let the page paint (progress, charts) without waiting on timers.
        if (seen % 4 === 0) await tf.nextFrame();
      },
      onEpochEnd: async (epoch, logs) => {
        if (onEpoch) await onEpoch({epoch, logs});
        if (control.stop) model.stopTraining = true;
      },
    },
  });
  const seconds = started ? (performance.now() - started) / 1000 : 0;
  return {examples, seconds, examplesPerSecond: seconds > 0 ? examples / seconds : 0,
    stopped: Boolean(control.stop), history: history.history};
}
