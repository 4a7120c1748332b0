// The model builder's state and actions: the data set and its gallery tensor, the layer
// list being edited and its live shape check, and training runs through the shared
// lib/training-session.js.
import * as tf from '@tensorflow/tfjs';
import {fetchJson, loadDataset as fetchDataset} from '../../lib/resources.js';
import {buildModel, countParams, formatShape, inferShapes, parseLayerList} from '../../lib/layers.js';
import {liveHistory, testModel} from '../../lib/charts.js';
import {splitTensors} from '../../lib/trainer.js';
import {TrainingSession, WARMING_UP, COMPILING, stoppedEarly} from '../../lib/training-session.js';
import {formatInt, formatPercent} from '../../lib/ui.js';

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

/** The data set an entry of datasets-config.json is about: the folder its manifest is in. */
export const datasetName = (entry) => entry.manifest.split('/')[0];

export class BuilderController {
  constructor({shell, catalog, view, options, context}) {
    Object.assign(this, {shell, catalog, view, options, context});
    this.data = null;
    this.layers = [];  // the raw layer objects being edited
    this.galleryXs = null;  // the gallery's test examples, a tensor [n, h, w, c]
    this.asked = 0;  // data sets asked for; a slower, older load is dropped
    this.session = new TrainingSession((on) => this.setBusy(on));
    // testAccuracy: on the whole test split after the last run (null: none, or stopped too early);
    // epochTestAccuracy: after each whole epoch of it
    this.state = {dataset: null, valid: false, message: '', runs: 0, galleryRefreshes: 0, examplesPerSecond: 0,
      testAccuracy: null, epochTestAccuracy: [], baselineTensors: null, tensorsAfterTraining: null};
  }

  chooseDataset() {
    this.loadDataset().catch((err) => this.shell.fail(err));
  }

  chooseConfig() {
    this.loadConfig().catch((err) => this.shell.fail(err));
  }

  /** Load the chosen data set, its gallery and its first (or the demo's) model config. */
  async loadDataset() {
    const entry = this.catalog[this.view.datasetTitle];
    const name = datasetName(entry);
    const ticket = ++this.asked;
    this.view.setLoading(true);
    const data = await fetchDataset(this.context, name, this.view.loading);
    if (ticket !== this.asked) return;
    this.view.setLoading(false);
    this.data = data;
    const configNames = Object.keys(entry.modelConfigs || {});
    const wanted = name === this.options.dataset && configNames.includes(this.options.model) ? this.options.model
      : configNames[0];
    this.view.setConfigs(configNames, wanted);
    this.view.showInput(`Input: ${formatShape(data.shape)}, ${data.numClasses} classes`);
    this.makeGallery();
    if (wanted) {
      await this.loadConfig();
    } else {
      this.layers = [{layerName: 'Flatten'}, {layerName: 'Fully connected', hiddenUnits: data.numClasses}];
      this.renderLayers();
    }
    this.state.dataset = name;
    this.shell.el.dataset.dataset = name;
  }

  async loadConfig() {
    const entry = this.catalog[this.view.datasetTitle];
    const name = this.view.configName;
    const raw = await fetchJson(new URL(`data/${entry.modelConfigs[name].path}`, this.context.root),
      `the model config "${name}"`);
    this.layers = Array.isArray(raw) ? raw.map((layer) => ({...layer})) : [];
    this.renderLayers();
  }

  // The first test examples, as a tensor kept for the model's guesses while it trains.
  makeGallery() {
    const data = this.data;
    tf.dispose(this.galleryXs);
    this.galleryXs = null;
    const n = Math.min(this.options.gallery, data.numTest);
    if (n) {
      const {xs, ys} = splitTensors(data, 'test', n);
      ys.dispose();
      this.galleryXs = xs;
    }
    const examples = Array.from({length: n}, (_, i) => ({pixels: data.image('test', i), label: data.label('test', i)}));
    this.view.showGallery(examples, data.shape, data.classNames);
  }

  async refreshGallery(model) {
    if (!this.galleryXs) return;
    const output = tf.tidy(() => model.predict(this.galleryXs));
    const values = await output.data();
    output.dispose();
    this.view.showGuesses(values, this.data.numClasses, this.data.classNames);
    this.state.galleryRefreshes += 1;
  }

  addLayer(kind) {
    this.layers.push({layerName: kind, ...(NEW_LAYER[kind] || {})});
    this.renderLayers();
  }

  edit(i, key, value) {
    if (value === undefined) delete this.layers[i][key];
    else this.layers[i][key] = value;
    this.check();
  }

  move(i, to) {
    const [layer] = this.layers.splice(i, 1);
    this.layers.splice(to, 0, layer);
    this.renderLayers();
  }

  remove(i) {
    this.layers.splice(i, 1);
    this.renderLayers();
  }

  renderLayers() {
    this.view.layers.render(this.layers, this);
    this.check();
  }

  // Live shape inference: every row shows its output; the first problem is spelled out.
  check() {
    const {state, data} = this;
    let result;
    try {
      const shapes = inferShapes(parseLayerList(this.layers), data.shape, data.numClasses);
      result = {valid: true, outputShapes: shapes.map((s) => formatShape(s.outputShape)), badIndex: null,
        message: `Shapes flow: ${formatShape(data.shape)} → ${formatShape(shapes[shapes.length - 1].outputShape)}; ` +
          `${formatInt(countParams(shapes))} parameters.`};
    } catch (err) {
      result = {valid: false, message: err.message, outputShapes: [], badIndex: err.index ?? null};
    }
    state.valid = result.valid;
    state.message = result.message;
    this.view.layers.showCheck(result);
    this.shell.el.dataset.valid = String(state.valid);
    this.view.allowTraining(!this.session.running && state.valid);
  }

  setBusy(on) {
    this.view.setTraining(on, this.state.valid);
    if (!on) this.renderLayers();
  }

  /** Compile the shaders of a run with the current settings before the reader asks for one. */
  warmUp() {
    if (!this.data || !this.state.valid) return null;
    const {data, layers} = this;
    const settings = this.view.settings();
    const warming = this.session.warmUp({data, optimizer: settings.optimizer, learningRate: settings.learningRate,
      batchSize: settings.batchSize, trainSize: data.numTrain, testSize: data.numTest,
      makeModel: async () => buildModel(parseLayerList(layers), data.shape, data.numClasses)});
    return warming.then(() => { this.shell.el.dataset.warmedUp = String(this.session.warmedUp); });
  }

  train() {
    this.run().catch((err) => {
      this.shell.el.dataset.trained = 'error';
      this.shell.fail(err, 'Try a smaller batch size or a smaller model, or reload the page.');
    });
  }

  stop() {
    this.session.stop();
  }

  async run() {
    const {data, view, state} = this;
    const settings = view.settings();
    this.shell.el.dataset.trained = 'false';
    const total = settings.epochs * Math.ceil(data.numTrain / settings.batchSize);
    const live = {model: null, charts: null, epochs: null};
    state.testAccuracy = null;
    state.epochTestAccuracy = [];
    try {
      // The whole test split is the validation data: its accuracy after every epoch is what
      // a reader compares models by (a batch's accuracy is on a few dozen training examples).
      await this.session.run({
        data, makeModel: async () => buildModel(parseLayerList(this.layers), data.shape, data.numClasses),
        optimizer: settings.optimizer, learningRate: settings.learningRate, epochs: settings.epochs,
        batchSize: settings.batchSize, trainSize: data.numTrain, testSize: data.numTest,
        onWait: () => view.progress.set(0, WARMING_UP),
        onStart: async ({model}) => {
          live.model = model;
          view.progress.set(0, this.session.warmedUp ? 'Starting…' : COMPILING);
          view.showCharts(true);
          live.charts = liveHistory(view.costChart, ['loss', 'acc', 'examples_per_second'], {xLabel: 'Batch'});
          live.epochs = liveHistory(view.epochChart, ['acc', 'val_acc'], {xLabel: 'Epoch', everyMs: 0});
          await this.refreshGallery(model);
        },
        onBatch: this.batchHook(total, live),
        onEpoch: ({epoch, logs}) => {
          if (logs.val_acc == null) return;  // a data set without test examples
          state.epochTestAccuracy.push(logs.val_acc);
          view.say(`Epoch ${epoch + 1} of ${settings.epochs}: test accuracy ${formatPercent(logs.val_acc)} ` +
            `(${formatInt(data.numTest)} test examples).`);
          live.epochs.add({acc: logs.acc, val_acc: logs.val_acc});
        },
        onEnd: ({model, result, testSet}) => this.finish(model, result, testSet, live),
      });
    } finally {
      state.tensorsAfterTraining = tf.memory().numTensors;
    }
    this.shell.el.dataset.trained = 'true';
  }

  // Progress, the cost chart, and the gallery's guesses at most every GALLERY_EVERY_MS.
  batchHook(total, live) {
    let done = 0;
    let lastGallery = 0;
    const backend = this.shell.backend.name;
    return async ({logs, examplesPerSecond}) => {
      done += 1;
      this.view.progress.set(done / total, `batch ${done} of ${total}, ${formatInt(examplesPerSecond)} examples/s ` +
        `(${backend})`);
      const point = {loss: logs.loss, acc: logs.acc};
      if (examplesPerSecond > 0) point.examples_per_second = examplesPerSecond;  // none until the clock runs
      live.charts.add(point);
      if (performance.now() - lastGallery > GALLERY_EVERY_MS) {
        lastGallery = performance.now();
        await this.refreshGallery(live.model);
      }
    };
  }

  async finish(model, result, testSet, live) {
    const {state, view, data} = this;
    live.charts.flush();
    live.epochs.flush();
    await this.refreshGallery(model);
    state.examplesPerSecond = result.examplesPerSecond;
    if (result.epochs === 0) {
      view.showCharts(result.examples > 0);
      view.say(stoppedEarly(result.examples, data.numTrain));
    } else {
      // The epochs' figure when the run ended with one, else the model as it stopped.
      if (testSet) {
        state.testAccuracy = result.stopped ? (await testModel(model, testSet.xs, testSet.ys)).accuracy
          : state.epochTestAccuracy[state.epochTestAccuracy.length - 1];
      }
      view.say(`${result.stopped ? `Stopped after ${result.epochs} of ${view.settings().epochs} epochs` : 'Done'}: ` +
        `${formatInt(result.examples)} examples, ${formatInt(result.examplesPerSecond)} examples/s on ` +
        `${this.shell.backend.name}` + (state.testAccuracy == null ? '.' : `; test accuracy ` +
        `${formatPercent(state.testAccuracy)} (${formatInt(data.numTest)} test examples).`));
    }
    state.runs += 1;
  }
}
