// The model builder's DOM: data set, model config and training settings, the layer editor
// (layers-view.js), Train / Stop, progress and status, the cost chart, and a gallery of
// test examples with the model's guesses. Input goes to the controller's actions.
import TABLES from 'sitegen:tables';
import {LAYER_KINDS} from '../../lib/layer-list.js';
import {renderBars} from '../../lib/bars.js';
import {h, field, numberInput, select, readNumber, progressBar, exampleCanvas} from '../../lib/ui.js';
import {LayersView} from './layers-view.js';

const OPTIMIZERS = Object.entries(TABLES.optimizers);

export class BuilderView {
  /** @param {{options, titles: string[], startTitle: string}} settings  options: the demo's */
  constructor(body, {options, titles, startTitle}) {
    this.options = options;
    this.datasetSelect = select(titles, startTitle, 'dataset');
    this.configSelect = select([], null, 'model-config');
    this.optimizer = select(OPTIMIZERS, options.optimizer, 'optimizer');
    this.learningRate = numberInput(options.learning_rate, {min: 0.00001, max: 10, step: 'any'});
    this.batchSize = numberInput(options.batch_size, {min: 1, max: 4096});
    this.epochs = numberInput(1, {min: 1, max: 1000});
    this.addKind = select(Object.keys(LAYER_KINDS), 'Convolution', 'new-layer');
    this.addButton = h('button', {type: 'button', text: 'Add layer'});
    this.layers = new LayersView();
    this.inputShape = h('p', {class: 'sg-w-layer-shape'});
    this.trainButton = h('button', {type: 'button', class: 'sg-w-primary', text: 'Train'});
    this.stopButton = h('button', {type: 'button', text: 'Stop', disabled: true});
    this.progress = progressBar('Training progress');
    this.status = h('p', {class: 'sg-w-status', 'aria-live': 'polite'});
    this.costChart = h('div', {class: 'sg-w-chart sg-w-cost-chart'});
    this.gallery = h('div', {class: 'sg-w-gallery'});
    this.galleryItems = [];
    this.loading = progressBar('Loading the data set');
    body.append(
      h('div', {class: 'sg-w-controls'},
        field('Data set', this.datasetSelect).wrap, field('Model', this.configSelect).wrap,
        field('Optimizer', this.optimizer).wrap, field('Learning rate', this.learningRate).wrap,
        field('Batch size', this.batchSize).wrap, field('Epochs', this.epochs).wrap),
      this.loading.el,
      h('section', {class: 'sg-w-section'}, h('h4', {text: 'Layers'}), this.inputShape, this.layers.list,
        h('div', {class: 'sg-w-buttons'}, field('New layer', this.addKind).wrap, this.addButton), this.layers.message),
      h('div', {class: 'sg-w-buttons'}, this.trainButton, this.stopButton),
      this.progress.el, this.status,
      h('section', {}, h('h4', {text: 'Cost, accuracy and examples per second'}), this.costChart),
      h('section', {}, h('h4', {text: 'Test examples and the model\'s guesses'}), this.gallery));
  }

  /** Report input to `actions`: {chooseDataset(), chooseConfig(), addLayer(kind), train(), stop()}. */
  bind(actions) {
    this.datasetSelect.addEventListener('change', () => actions.chooseDataset());
    this.configSelect.addEventListener('change', () => actions.chooseConfig());
    this.addButton.addEventListener('click', () => actions.addLayer(this.addKind.value));
    this.trainButton.addEventListener('click', () => actions.train());
    this.stopButton.addEventListener('click', () => actions.stop());
  }

  get datasetTitle() {
    return this.datasetSelect.value;
  }

  get configName() {
    return this.configSelect.value;
  }

  /** Show (true) or hide the data set's loading bar. */
  setLoading(on) {
    this.loading.el.hidden = !on;
  }

  /** The line above the layers: the data set's input shape and classes. */
  showInput(text) {
    this.inputShape.textContent = text;
  }

  /** The model configs of the data set, `chosen` selected (none when it has none). */
  setConfigs(names, chosen) {
    this.configSelect.replaceChildren(...names.map((n) => h('option', {value: n, text: n})));
    this.configSelect.value = chosen ?? '';
  }

  /** The reader's training settings, each clamped to its field's range. */
  settings() {
    return {optimizer: this.optimizer.value, learningRate: readNumber(this.learningRate, this.options.learning_rate),
      batchSize: readNumber(this.batchSize, this.options.batch_size), epochs: readNumber(this.epochs, 1)};
  }

  /** Test examples ({pixels, label}) of `shape`, each with room for the model's guesses. */
  showGallery(examples, shape, classNames) {
    this.galleryItems = examples.map(({pixels, label}, i) => ({bars: h('ol', {class: 'sg-w-bars'}), label, pixels, i}));
    this.gallery.replaceChildren(...this.galleryItems.map(({bars, label, pixels, i}) =>
      h('figure', {class: 'sg-w-gallery-item'}, exampleCanvas(pixels, shape, `test example ${i}: ${classNames[label]}`), bars)));
  }

  /** The model's probabilities for the gallery, one row of `numClasses` per example. */
  showGuesses(values, k, classNames) {
    this.galleryItems.forEach(({bars, label}, i) =>
      renderBars(bars, values.subarray(i * k, (i + 1) * k), classNames, Math.min(3, k), label));
  }

  /** Lock the settings and layers while training; Train only for a valid layer list. */
  setTraining(on, valid) {
    for (const input of [this.datasetSelect, this.configSelect, this.optimizer, this.learningRate, this.batchSize,
      this.epochs, this.addButton]) {
      input.disabled = on;
    }
    this.layers.setDisabled(on);
    this.stopButton.disabled = !on;
    this.trainButton.disabled = on || !valid;
  }

  allowTraining(ok) {
    this.trainButton.disabled = !ok;
  }

  say(text) {
    this.status.textContent = text;
  }
}
