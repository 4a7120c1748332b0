// `model-builder` (the deeplearn.js model builder): pick a data set and a model config
// from data/datasets-config.json, edit the layer list with live shape inference, pick the
// optimizer and hyperparameters, train and stop, and watch cost, accuracy and examples
// per second while a gallery of test examples shows the model's guesses.
import * as tf from '@tensorflow/tfjs';
import {startWidget} from '../lib/shell.js';
import {fetchJson, loadDataset, WidgetError} from '../lib/resources.js';
import {LAYER_KINDS, buildModel, countParams, formatShape, inferShapes, makeOptimizer, parseLayerList}
  from '../lib/layers.js';
import {liveHistory} from '../lib/charts.js';
import {splitTensors, fitModel} from '../lib/trainer.js';
import {renderBars} from '../lib/bars.js';
import {h, field, numberInput, select, readNumber, progressBar, exampleCanvas, formatInt, formatPercent} from '../lib/ui.js';

const OPTIMIZERS = [['adam', 'Adam'], ['sgd', 'SGD'], ['rmsprop', 'RMSProp'], ['adagrad', 'Adagrad']];
const GALLERY_EVERY_MS = 1000;
// New layers start with these fields (the rest take their defaults).
const NEW_LAYER = {
  'Convolution': {fieldSize: 3, stride: 1, zeroPad: 1, outputDepth: 8},
  'Max pool': {fieldSize: 2, stride: 2, zeroPad: 0},
  'Avg pool': {fieldSize: 2, stride: 2, zeroPad: 0},
  'Dropout': {rate: 0.25},
  'Fully connected': {hiddenUnits: 10},
  'Dense': {units: 10},
};

// The datasets-config.json entry of a data set, by the folder its manifest lives in.
function datasetName(entry) {
  return entry.manifest.split('/')[0];
}

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'model-builder');
  const catalog = await fetchJson(new URL('data/datasets-config.json', context.root), 'the list of data sets');
  const titles = Object.keys(catalog);
  const startTitle = titles.find((t) => datasetName(catalog[t]) === options.dataset) ?? titles[0];
  if (!startTitle) throw new WidgetError('This site has no data sets to train on.', 'Declare one in sitegen.toml and rebuild.');

  const datasetSelect = select(titles, startTitle, 'dataset');
  const configSelect = select([], null, 'model-config');
  const optimizer = select(OPTIMIZERS, options.optimizer, 'optimizer');
  const learningRate = numberInput(options.learning_rate, {min: 0.00001, max: 10, step: 'any'});
  const batchSize = numberInput(options.batch_size, {min: 1, max: 4096});
  const epochs = numberInput(1, {min: 1, max: 1000});
  const addKind = select(Object.keys(LAYER_KINDS), 'Convolution', 'new-layer');
  const addButton = h('button', {type: 'button', text: 'Add layer'});
  const layerList = h('ol', {class: 'sg-w-layers', 'aria-label': 'Layers'});
  const inputShape = h('p', {class: 'sg-w-layer-shape'});
  const message = h('p', {class: 'sg-w-shape-message', role: 'status', 'aria-live': 'polite'});
  const trainButton = h('button', {type: 'button', class: 'sg-w-primary', text: 'Train'});
  const stopButton = h('button', {type: 'button', text: 'Stop', disabled: true});
  const progress = progressBar('Training progress');
  const status = h('p', {class: 'sg-w-status', 'aria-live': 'polite'});
  const costChart = h('div', {class: 'sg-w-chart sg-w-cost-chart'});
  const gallery = h('div', {class: 'sg-w-gallery'});
  const loading = progressBar('Loading the data set');

  shell.body.append(
    h('div', {class: 'sg-w-controls'},
      field('Data set', datasetSelect).wrap, field('Model', configSelect).wrap,
      field('Optimizer', optimizer).wrap, field('Learning rate', learningRate).wrap,
      field('Batch size', batchSize).wrap, field('Epochs', epochs).wrap),
    loading.el,
    h('section', {class: 'sg-w-section'}, h('h4', {text: 'Layers'}), inputShape, layerList,
      h('div', {class: 'sg-w-buttons'}, field('New layer', addKind).wrap, addButton), message),
    h('div', {class: 'sg-w-buttons'}, trainButton, stopButton),
    progress.el, status,
    h('section', {}, h('h4', {text: 'Cost, accuracy and examples per second'}), costChart),
    h('section', {}, h('h4', {text: 'Test examples and the model\'s guesses'}), gallery));

  let data = null;
  let layers = [];  // the raw layer objects being edited
  let galleryXs = null;
  let galleryItems = [];
  const control = {stop: false, training: false};
  const state = {valid: false, message: '', runs: 0, galleryRefreshes: 0, examplesPerSecond: 0, lastAccuracy: null};
  el.sgBuilder = state;

  async function chooseDataset() {
    const entry = catalog[datasetSelect.value];
    loading.el.hidden = false;
    data = await loadDataset(context, datasetName(entry), loading);
    loading.el.hidden = true;
    const configNames = Object.keys(entry.modelConfigs || {});
    configSelect.replaceChildren(...configNames.map((n) => h('option', {value: n, text: n})));
    const wanted = datasetName(entry) === options.dataset && configNames.includes(options.model) ? options.model : configNames[0];
    configSelect.value = wanted ?? '';
    inputShape.textContent = `Input: ${formatShape(data.shape)}, ${data.numClasses} classes`;
    makeGallery();
    if (wanted) await chooseConfig();
    else {
      layers = [{layerName: 'Flatten'}, {layerName: 'Fully connected', hiddenUnits: data.numClasses}];
      renderLayers();
    }
  }

  async function chooseConfig() {
    const entry = catalog[datasetSelect.value];
    const raw = await fetchJson(new URL(`data/${entry.modelConfigs[configSelect.value].path}`, context.root),
      `the model config "${configSelect.value}"`);
    layers = Array.isArray(raw) ? raw.map((layer) => ({...layer})) : [];
    renderLayers();
  }

  function makeGallery() {
    galleryXs?.dispose();
    const n = Math.min(options.gallery, data.numTest);
    galleryXs = n ? splitTensors(data, 'test', n) : null;
    if (galleryXs) galleryXs.ys.dispose();
    galleryItems = [];
    gallery.replaceChildren();
    for (let i = 0; i < n; i++) {
      const label = data.testLabels.subarray(i * data.numClasses, (i + 1) * data.numClasses).indexOf(1);
      const bars = h('ol', {class: 'sg-w-bars'});
      const pixels = data.testImages.subarray(i * data.exampleSize, (i + 1) * data.exampleSize);
      gallery.append(h('figure', {class: 'sg-w-gallery-item'},
        exampleCanvas(pixels, data.shape, `test example ${i}: ${data.classNames[label]}`), bars));
      galleryItems.push({bars, label});
    }
  }

  async function refreshGallery(model) {
    if (!galleryXs) return;
    const output = tf.tidy(() => model.predict(galleryXs.xs));
    const values = await output.data();
    output.dispose();
    const k = data.numClasses;
    galleryItems.forEach(({bars, label}, i) =>
      renderBars(bars, values.subarray(i * k, (i + 1) * k), data.classNames, Math.min(3, k), label));
    state.galleryRefreshes += 1;
  }

  // One row per layer: its fields, its output shape, and move / remove buttons.
  function renderLayers() {
    layerList.replaceChildren(...layers.map((layer, i) => {
      const kind = LAYER_KINDS[layer.layerName];
      const row = h('li', {class: 'sg-w-layer', 'data-index': String(i + 1)},
        h('span', {class: 'sg-w-layer-name', text: `${i + 1}. ${layer.layerName}`}));
      for (const [key, spec] of Object.entries(kind ? kind.fields : {})) {
        const value = layer[key] ?? spec.fallback ?? (spec.fallbackFrom ? layer[spec.fallbackFrom] : '');
        const input = spec.kind === 'choice' ? select(spec.choices, value, key)
          : numberInput(value, {min: spec.min, step: spec.kind === 'int' ? 1 : 'any', name: key});
        input.addEventListener('input', () => {
          if (spec.kind === 'choice') layer[key] = input.value;
          else layer[key] = input.value === '' ? undefined : Number(input.value);
          if (layer[key] === undefined) delete layer[key];
          check();
        });
        row.append(field(key, input).wrap);
      }
      const move = (to) => () => {
        const [item] = layers.splice(i, 1);
        layers.splice(to, 0, item);
        renderLayers();
        layerList.querySelectorAll('.sg-w-layer')[to]?.querySelector('button')?.focus();
      };
      row.append(h('span', {class: 'sg-w-layer-shape', 'data-role': 'shape'}),
        h('button', {type: 'button', text: '↑', 'aria-label': `Move layer ${i + 1} up`, disabled: i === 0, onclick: move(i - 1)}),
        h('button', {type: 'button', text: '↓', 'aria-label': `Move layer ${i + 1} down`,
          disabled: i === layers.length - 1, onclick: move(i + 1)}),
        h('button', {type: 'button', text: '✕', 'aria-label': `Remove layer ${i + 1}`, onclick: () => {
          layers.splice(i, 1);
          renderLayers();
        }}));
      return row;
    }));
    check();
  }

  // Live shape inference: every row shows its output; the first problem is spelled out.
  function check() {
    const rows = layerList.querySelectorAll('.sg-w-layer');
    rows.forEach((row) => {
      row.classList.remove('sg-w-layer-bad');
      row.querySelector('[data-role=shape]').textContent = '';
    });
    try {
      const specs = parseLayerList(layers);
      const shapes = inferShapes(specs, data.shape, data.numClasses);
      shapes.forEach((s, i) => { rows[i].querySelector('[data-role=shape]').textContent = `→ ${formatShape(s.outputShape)}`; });
      state.valid = true;
      state.message = `Shapes flow: ${formatShape(data.shape)} → ${formatShape(shapes[shapes.length - 1].outputShape)}; ` +
        `${formatInt(countParams(shapes))} parameters.`;
      message.className = 'sg-w-shape-message sg-w-shape-ok';
    } catch (err) {
      state.valid = false;
      state.message = err.message;
      message.className = 'sg-w-shape-message sg-error';
      if (err.index) rows[err.index - 1]?.classList.add('sg-w-layer-bad');
    }
    message.textContent = state.message;
    el.dataset.valid = String(state.valid);
    trainButton.disabled = control.training || !state.valid;
  }

  function setTraining(on) {
    control.training = on;
    for (const input of [datasetSelect, configSelect, optimizer, learningRate, batchSize, epochs, addButton]) input.disabled = on;
    layerList.querySelectorAll('input, select, button').forEach((input) => { input.disabled = on; });
    stopButton.disabled = !on;
    if (!on) renderLayers();
    trainButton.disabled = on || !state.valid;
  }

  async function train() {
    control.stop = false;
    setTraining(true);
    el.dataset.trained = 'false';
    let model = null;
    let trainSet = null;
    try {
      model = buildModel(parseLayerList(layers), data.shape, data.numClasses);
      model.compile({optimizer: makeOptimizer(optimizer.value, readNumber(learningRate, options.learning_rate)),
        loss: 'categoricalCrossentropy', metrics: ['accuracy']});
      trainSet = splitTensors(data, 'train', data.numTrain);
      const size = readNumber(batchSize, options.batch_size);
      const totalEpochs = readNumber(epochs, 1);
      const total = totalEpochs * Math.ceil(data.numTrain / size);
      const charts = liveHistory(costChart, ['loss', 'acc', 'examples_per_second'], {xLabel: 'Batch'});
      let done = 0;
      let lastGallery = 0;
      await refreshGallery(model);
      const result = await fitModel(model, trainSet, null, {
        epochs: totalEpochs, batchSize: size, control,
        onBatch: async ({logs, examplesPerSecond}) => {
          done += 1;
          progress.set(done / total, `batch ${done} of ${total}, ${formatInt(examplesPerSecond)} examples/s ` +
            `(${shell.backend.name})`);
          state.lastAccuracy = logs.acc;
          const point = {loss: logs.loss, acc: logs.acc};
          if (examplesPerSecond > 0) point.examples_per_second = examplesPerSecond;  // none until the clock runs
          await charts.add(point);
          if (performance.now() - lastGallery > GALLERY_EVERY_MS) {
            lastGallery = performance.now();
            await refreshGallery(model);
          }
        },
      });
      await charts.flush();
      await refreshGallery(model);
      state.examplesPerSecond = result.examplesPerSecond;
      state.runs += 1;
      status.textContent = `${result.stopped ? 'Stopped' : 'Done'}: ${formatInt(result.examples)} examples, ` +
        `${formatInt(result.examplesPerSecond)} examples/s on ${shell.backend.name}; last batch accuracy ` +
        `${formatPercent(state.lastAccuracy ?? 0)}.`;
      el.dataset.trained = 'true';
    } finally {
      trainSet?.xs.dispose();
      trainSet?.ys.dispose();
      if (model) {
        model.optimizer?.dispose();
        model.dispose();
      }
      state.tensorsAfterTraining = tf.memory().numTensors;
      setTraining(false);
    }
  }

  datasetSelect.addEventListener('change', () => chooseDataset().catch((err) => shell.fail(err)));
  configSelect.addEventListener('change', () => chooseConfig().catch((err) => shell.fail(err)));
  addButton.addEventListener('click', () => {
    layers.push({layerName: addKind.value, ...(NEW_LAYER[addKind.value] || {})});
    renderLayers();
  });
  trainButton.addEventListener('click', () => train().catch((err) => {
    el.dataset.trained = 'error';
    shell.fail(err, 'Try a smaller batch size or a smaller model, or reload the page.');
  }));
  stopButton.addEventListener('click', () => { control.stop = true; });

  await chooseDataset();
  state.baselineTensors = tf.memory().numTensors;
}
