// Training throughput of the codelab CNN: sitegen's train-widget pipeline (lib/trainer.js:
// uint8 pixels uploaded once as bytes, normalised on the GPU, model.fit slicing batches
// there) against the codelab's own loop (Float32Array of all images in JS, a tensor made
// from nextTrainBatch, model.fit on it; and the older per-batch variant: upload one batch,
// fit on it). Same model, optimizer, batch size and number of examples; no validation.
// bench_widgets.py calls window.sgBench.run(variant, options) once per measured run.
//
// `codelabCharts` is the codelab's train() whole: validation data and tfjs-vis
// fitCallbacks drawing loss, val_loss, acc and val_acc after every batch and epoch. It is
// compared with the train widget itself (clicked on its page, which imports this module).
//
// trainer.js here is a copy of sitegen/js/lib/trainer.js that bench_widgets.py writes
// with its one bare import ('@tensorflow/tfjs') pointed at the site's tfjs module.
import * as tf from '../js/tfjs.js';
import {MnistData} from '../data/mnist5k/data.js';
import {splitTensors, fitModel} from './trainer.js';
import {CodelabData} from './codelab-data.js';
import {show} from '../js/tfjs-vis.js';

// The codelab's getModel(): conv 5x5x8 relu, max-pool 2, conv 5x5x16 relu, max-pool 2,
// flatten, dense 10 softmax; Adam and categorical cross-entropy.
function codelabCnn([height, width, channels], numClasses) {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({inputShape: [height, width, channels], kernelSize: 5, filters: 8, strides: 1,
    activation: 'relu', kernelInitializer: 'varianceScaling'}));
  model.add(tf.layers.maxPooling2d({poolSize: [2, 2], strides: [2, 2]}));
  model.add(tf.layers.conv2d({kernelSize: 5, filters: 16, strides: 1, activation: 'relu',
    kernelInitializer: 'varianceScaling'}));
  model.add(tf.layers.maxPooling2d({poolSize: [2, 2], strides: [2, 2]}));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({units: numClasses, kernelInitializer: 'varianceScaling', activation: 'softmax'}));
  model.compile({optimizer: tf.train.adam(), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

// The codelab passes tfjs-vis fitCallbacks, which read the logs after every batch; the
// baseline keeps that per-batch read (without drawing charts), as fitModel does.
const readLogs = {onBatchEnd: async () => {}};

// The examples/s clock of lib/trainer.js' fitModel: started when the first batch (shader
// compilation) ends, stopped when model.fit returns. Goes first in the callbacks.
function batchClock(batchSize) {
  let started = null;
  let examples = 0;
  return {
    callback: {onBatchEnd: async (batch, logs) => {
      if (started === null) started = performance.now();
      else examples += logs.size ?? batchSize;
    }},
    rate: () => examples / ((performance.now() - started) / 1000),
  };
}

const variants = {
  // The train widget's path: splitTensors + fitModel from lib/trainer.js.
  async sitegen(model, data, codelab, {examples, batchSize}) {
    const train = splitTensors(data, 'train', examples);
    try {
      const result = await fitModel(model, train, null, {epochs: 1, batchSize});
      return {ownExamplesPerSecond: result.examplesPerSecond};
    } finally {
      train.xs.dispose();
      train.ys.dispose();
    }
  },
  // Diagnostics: which half of the widget's pipeline costs what.
  // splitTensors' tensors (normalised on the GPU), plain model.fit (no fitModel callbacks).
  async gpuTensorsPlainFit(model, data, codelab, {examples, batchSize}) {
    const train = splitTensors(data, 'train', examples);
    try {
      await model.fit(train.xs, train.ys, {batchSize, epochs: 1, shuffle: true, callbacks: readLogs});
      return {};
    } finally {
      train.xs.dispose();
      train.ys.dispose();
    }
  },
  // Float32 made on the CPU and uploaded once, then fitModel (the widget's loop).
  async cpuFloatFitModel(model, data, codelab, {examples, batchSize}) {
    const [xs, ys] = tf.tidy(() => {
      const d = codelab.nextTrainBatch(examples);
      return [d.xs.reshape([examples, ...data.shape]), d.labels];
    });
    try {
      const result = await fitModel(model, {xs, ys}, null, {epochs: 1, batchSize});
      return {ownExamplesPerSecond: result.examplesPerSecond};
    } finally {
      xs.dispose();
      ys.dispose();
    }
  },
  // The codelab: one tensor from nextTrainBatch(all), reshaped, model.fit with a batch size.
  async codelab(model, data, codelab, {examples, batchSize}) {
    const [xs, ys] = tf.tidy(() => {
      const d = codelab.nextTrainBatch(examples);
      return [d.xs.reshape([examples, ...data.shape]), d.labels];
    });
    try {
      await model.fit(xs, ys, {batchSize, epochs: 1, shuffle: true, callbacks: readLogs});
      return {};
    } finally {
      xs.dispose();
      ys.dispose();
    }
  },
  // The codelab's train(): validation on test examples, fitCallbacks charts in the page;
  // `epochs` of them (default 1). Returns, besides the rate, each epoch's validation accuracy
  // and its time since train() began (data preparation included): bench_time_to_accuracy.py.
  async codelabCharts(model, data, codelab, {examples, batchSize, testSize, epochs = 1}) {
    const began = performance.now();
    const epochLogs = [];
    const epochClock = {onEpochEnd: async (epoch, logs) => {
      epochLogs.push({seconds: (performance.now() - began) / 1000, val_acc: logs.val_acc, acc: logs.acc});
    }};
    const [xs, ys] = tf.tidy(() => {
      const d = codelab.nextTrainBatch(examples);
      return [d.xs.reshape([examples, ...data.shape]), d.labels];
    });
    const [testXs, testYs] = tf.tidy(() => {
      const d = codelab.test.nextTrainBatch(testSize);
      return [d.xs.reshape([testSize, ...data.shape]), d.labels];
    });
    const container = document.createElement('div');
    container.style.width = '600px';
    document.body.append(container);
    const clock = batchClock(batchSize);
    try {
      const fitCallbacks = show.fitCallbacks(container, ['loss', 'val_loss', 'acc', 'val_acc']);
      await model.fit(xs, ys, {batchSize, validationData: [testXs, testYs], epochs, shuffle: true,
        callbacks: [clock.callback, epochClock, fitCallbacks]});
      return {ownExamplesPerSecond: clock.rate(), epochLogs};
    } finally {
      tf.dispose([xs, ys, testXs, testYs]);
      container.remove();
    }
  },
  // The older tfjs-examples loop: upload each batch from nextTrainBatch(batchSize), fit on it.
  async codelabPerBatch(model, data, codelab, {examples, batchSize}) {
    for (let done = 0; done < examples; done += batchSize) {
      const n = Math.min(batchSize, examples - done);
      const [xs, ys] = tf.tidy(() => {
        const d = codelab.nextTrainBatch(n);
        return [d.xs.reshape([n, ...data.shape]), d.labels];
      });
      try {
        await model.fit(xs, ys, {batchSize: n, epochs: 1, callbacks: readLogs});
      } finally {
        xs.dispose();
        ys.dispose();
      }
    }
    return {};
  },
};

async function setUp() {
  await tf.setBackend('webgl');
  await tf.ready();
  const data = await new MnistData({tf}).load();
  const codelab = new CodelabData(tf, data.trainImages, data.trainLabels, data.numTrain, data.exampleSize,
    data.numClasses);
  codelab.test = new CodelabData(tf, data.testImages, data.testLabels, data.numTest, data.exampleSize,
    data.numClasses);
  return {data, codelab};
}

const ready = setUp();
window.sgBench = {
  backend: async () => (await ready, tf.getBackend()),
  async run(variant, options) {
    const {data, codelab} = await ready;
    const tensorsBefore = tf.memory().numTensors;
    const model = codelabCnn(data.shape, data.numClasses);
    const started = performance.now();
    const extra = await variants[variant](model, data, codelab, options);
    // Wait for the GPU to finish: read one weight back.
    await model.layers[0].getWeights()[0].data();
    const seconds = (performance.now() - started) / 1000;
    model.optimizer.dispose();
    model.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    return {variant, examples: options.examples, seconds, examplesPerSecond: options.examples / seconds,
      leaked, ...extra};
  },
};
ready.then(() => { document.documentElement.dataset.ready = 'true'; },
  (err) => {
    document.documentElement.dataset.error = String(err && err.stack || err);
    document.documentElement.dataset.ready = 'error';
  });
