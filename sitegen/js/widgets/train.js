// `train`: the TF.js MNIST codelab, in the page. Example images, the model summary, live
// loss/accuracy charts and a progress bar while training, then per-class accuracy and a
// confusion matrix with class names; the reader picks the model config, epochs, batch
// size, training-set size, learning rate and optimizer, can stop, and can download the
// trained model.
import * as tf from '@tensorflow/tfjs';
import {startWidget} from '../lib/shell.js';
import {fetchJson, loadDataset, WidgetError} from '../lib/resources.js';
import {buildModel, makeOptimizer, parseLayerList, LayerListError} from '../lib/layers.js';
import {liveHistory, renderEvaluation, renderModelSummary} from '../lib/charts.js';
import {splitTensors, fitModel} from '../lib/trainer.js';
import {h, field, numberInput, select, readNumber, progressBar, exampleCanvas, formatInt, formatPercent} from '../lib/ui.js';

const OPTIMIZERS = [['adam', 'Adam'], ['sgd', 'SGD'], ['rmsprop', 'RMSProp'], ['adagrad', 'Adagrad']];

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'train');
  const loading = progressBar('Loading the data set');
  shell.body.append(loading.el);
  const data = await loadDataset(context, options.dataset, loading);
  loading.el.remove();
  const classNames = data.classNames;
  const configs = data.manifest.modelConfigs || {};
  const configNames = Object.keys(configs);
  if (configNames.length === 0) {
    throw new WidgetError(`The data set "${options.dataset}" has no model configs to train.`,
      'Add model_configs to its [datasets] table in sitegen.toml and rebuild.');
  }
  if (options.model && !configs[options.model]) {
    throw new WidgetError(`The data set "${options.dataset}" has no model config "${options.model}" ` +
      `(it has: ${configNames.join(', ')}).`, 'Fix the demo block\'s model option and rebuild.');
  }

  // Example images
  const examples = h('div', {class: 'sg-w-examples'});
  const [height, width, channels] = data.shape;
  for (let i = 0; i < Math.min(options.examples, data.numTrain); i++) {
    const label = data.trainLabels.subarray(i * data.numClasses, (i + 1) * data.numClasses).indexOf(1);
    const pixels = data.trainImages.subarray(i * data.exampleSize, (i + 1) * data.exampleSize);
    examples.append(h('figure', {class: 'sg-w-example-item'},
      exampleCanvas(pixels, [height, width, channels], `example ${i + 1}: ${classNames[label]}`),
      h('figcaption', {text: classNames[label] ?? '?'})));
  }

  // Controls
  const modelSelect = select(configNames, options.model || configNames[0], 'model');
  const epochs = numberInput(options.epochs, {min: 1, max: 100});
  const batchSize = numberInput(options.batch_size, {min: 1, max: 4096});
  const trainSize = numberInput(Math.min(options.train_size, data.numTrain), {min: 1, max: data.numTrain});
  const learningRate = numberInput(options.learning_rate, {min: 0.00001, max: 10, step: 'any'});
  const optimizer = select(OPTIMIZERS, options.optimizer, 'optimizer');
  const trainButton = h('button', {type: 'button', class: 'sg-w-primary', text: 'Train'});
  const stopButton = h('button', {type: 'button', text: 'Stop', disabled: true});
  const downloadButton = h('button', {type: 'button', text: 'Download model', disabled: true});
  const progress = progressBar('Training progress');
  const status = h('p', {class: 'sg-w-status', 'aria-live': 'polite',
    text: `${formatInt(data.numTrain)} training and ${formatInt(data.numTest)} test examples loaded; ` +
          `backend: ${shell.backend.name}.`});
  const summary = h('div', {class: 'sg-w-section sg-w-summary'});
  const batchCharts = h('div', {class: 'sg-w-chart sg-w-batch-chart'});
  const epochCharts = h('div', {class: 'sg-w-chart sg-w-epoch-chart'});
  const perClass = h('div', {class: 'sg-w-section sg-w-per-class-wrap'});
  const confusion = h('div', {class: 'sg-w-section sg-w-confusion'});

  shell.body.append(
    h('section', {class: 'sg-w-section'}, h('h4', {text: 'Examples from the data set'}), examples),
    h('div', {class: 'sg-w-controls'},
      field('Model', modelSelect).wrap,
      field('Epochs', epochs).wrap,
      field('Batch size', batchSize).wrap,
      field('Training examples', trainSize, `of ${formatInt(data.numTrain)}`).wrap,
      field('Learning rate', learningRate).wrap,
      field('Optimizer', optimizer).wrap),
    h('div', {class: 'sg-w-buttons'}, trainButton, stopButton, downloadButton),
    progress.el, status,
    h('section', {class: 'sg-w-section'}, h('h4', {text: 'Model'}), summary),
    h('section', {class: 'sg-w-charts'},
      h('div', {}, h('h4', {text: 'Loss and accuracy per batch'}), batchCharts),
      h('div', {}, h('h4', {text: 'Per epoch (with test examples)'}), epochCharts)),
    h('section', {class: 'sg-w-charts'},
      h('div', {}, h('h4', {text: 'Accuracy per class'}), perClass),
      h('div', {}, h('h4', {text: 'Confusion matrix'}), confusion)));

  const layerLists = new Map();
  async function layerList(name) {
    if (!layerLists.has(name)) {
      const raw = await fetchJson(new URL(configs[name].path, context.dataUrl(options.dataset)),
        `the model config "${name}"`);
      layerLists.set(name, parseLayerList(raw));
    }
    return layerLists.get(name);
  }

  let model = null;  // the last trained (or built) model, kept for download
  async function freshModel() {
    if (model) model.dispose();
    model = null;
    model = buildModel(await layerList(modelSelect.value), data.shape, data.numClasses);
    await renderModelSummary(summary, model);
    return model;
  }

  const control = {stop: false, training: false};
  const state = {runs: 0, examplesPerSecond: 0, evaluation: null, tensorsAfterTraining: null};
  el.sgTrain = state;

  function setTraining(on) {
    control.training = on;
    for (const input of [modelSelect, epochs, batchSize, trainSize, learningRate, optimizer, trainButton, downloadButton]) {
      input.disabled = on;
    }
    stopButton.disabled = !on;
    if (!on) downloadButton.disabled = !model;
  }

  async function train() {
    control.stop = false;
    setTraining(true);
    el.dataset.trained = 'false';
    const settings = {
      epochs: readNumber(epochs, options.epochs),
      batchSize: readNumber(batchSize, options.batch_size),
      trainSize: readNumber(trainSize, options.train_size),
      learningRate: readNumber(learningRate, options.learning_rate),
    };
    let trainSet = null;
    let testSet = null;
    try {
      const net = await freshModel();
      net.compile({optimizer: makeOptimizer(optimizer.value, settings.learningRate),
        loss: 'categoricalCrossentropy', metrics: ['accuracy']});
      trainSet = splitTensors(data, 'train', settings.trainSize);
      testSet = splitTensors(data, 'test', options.test_size);
      const n = trainSet.xs.shape[0];
      const totalBatches = settings.epochs * Math.ceil(n / settings.batchSize);
      const batches = liveHistory(batchCharts, ['loss', 'acc'], {xLabel: 'Batch'});
      const epochLogs = liveHistory(epochCharts, ['loss', 'val_loss', 'acc', 'val_acc'], {xLabel: 'Epoch', everyMs: 0});
      let done = 0;
      progress.set(0, 'Starting…');
      const result = await fitModel(net, trainSet, testSet, {
        epochs: settings.epochs, batchSize: settings.batchSize, control,
        onBatch: async ({logs, examplesPerSecond}) => {
          done += 1;
          const rate = examplesPerSecond ? `, ${formatInt(examplesPerSecond)} examples/s` : '';
          progress.set(done / totalBatches, `batch ${done} of ${totalBatches}${rate} (${shell.backend.name})`);
          await batches.add({loss: logs.loss, acc: logs.acc});
        },
        onEpoch: async ({logs}) => epochLogs.add(logs),
      });
      await batches.flush();
      await epochLogs.flush();
      state.examplesPerSecond = result.examplesPerSecond;
      state.evaluation = await renderEvaluation(net, testSet.xs, testSet.ys, classNames, perClass, confusion);
      net.optimizer.dispose();  // its slots (Adam's moments) are tensors too
      const how = result.stopped ? 'Stopped' : 'Done';
      status.textContent = `${how}: ${formatInt(result.examples)} examples in ${result.seconds.toFixed(1)} s ` +
        `(${formatInt(result.examplesPerSecond)} examples/s on ${shell.backend.name}); test accuracy ` +
        `${formatPercent(state.evaluation.accuracy)}.`;
      progress.set(result.stopped ? done / totalBatches : 1);
      state.runs += 1;
      el.dataset.trained = 'true';
    } finally {
      trainSet?.xs.dispose();
      trainSet?.ys.dispose();
      testSet?.xs.dispose();
      testSet?.ys.dispose();
      state.tensorsAfterTraining = tf.memory().numTensors;
      setTraining(false);
    }
  }

  trainButton.addEventListener('click', () => train().catch((err) => {
    el.dataset.trained = 'error';
    shell.fail(err instanceof LayerListError
      ? new WidgetError(`The model config "${modelSelect.value}" is not valid: ${err.message}`,
        'Fix the layer list file and rebuild the site.')
      : err, 'Try a smaller batch size or fewer training examples, or reload the page.');
  }));
  stopButton.addEventListener('click', () => {
    control.stop = true;
    status.textContent = 'Stopping after this batch…';
  });
  downloadButton.addEventListener('click', () => {
    if (!model) return;
    const name = `${options.dataset}-${modelSelect.value}`.replace(/[^\w.-]+/g, '-');
    model.save(`downloads://${name}`).catch((err) => shell.fail(err, 'Your browser blocked the download: allow ' +
      'downloads for this site and try again.'));
  });
  modelSelect.addEventListener('change', () => freshModel().catch((err) => shell.fail(err)));

  await freshModel();
  downloadButton.disabled = true;  // nothing trained yet
}
