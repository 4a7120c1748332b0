// The model builder's DOM: data set, model config and training settings, the layer editor
// (layers-view.js), Train / Stop, progress and status, the cost and accuracy charts, and a
// gallery of test examples with their true classes and the model's guesses, marked right or
// wrong. Input goes to the controller's actions.
import TABLES from 'sitegen:tables';
import {LAYER_KINDS} from '../../lib/layer-list.js';
import {renderBars, topK} from '../../lib/bars.js';
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
    this.epochChart = h('div', {class: 'sg-w-chart sg-w-epoch-chart'});
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
      this.progress.el, this.status);
    // Shown once a run has something to draw: headings over empty boxes read as broken.
    this.chartsSection = h('section', {class: 'sg-w-charts', hidden: true},
      h('div', {}, h('h4', {text: 'Cost, accuracy and examples per second (per batch)'}), this.costChart),
      h('div', {}, h('h4', {text: 'Accuracy per epoch, on the training and the test examples'}), this.epochChart));
    body.append(this.chartsSection,
      h('section', {}, h('h4', {text: 'Test examples, their classes and the model\'s guesses'}), this.gallery));
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

  /** Test examples ({pixels, label}) of `shape`, each with its class and room for the model's guesses. */
  showGallery(examples, shape, classNames) {
    this.galleryItems = examples.map(({pixels, label}, i) => {
      const verdict = h('span', {class: 'sg-w-verdict'});
      const item = h('figure', {class: 'sg-w-gallery-item'},
        h('div', {class: 'sg-w-gallery-example'},
          exampleCanvas(pixels, shape, `test example ${i + 1}: ${classNames[label]}`),
          h('span', {class: 'sg-w-gallery-truth'}, 'is ', h('b', {text: classNames[label]})), verdict),
        h('ol', {class: 'sg-w-bars', 'aria-label': 'The model\'s guesses'}));
      return {item, verdict, label};
    });
    this.gallery.replaceChildren(...this.galleryItems.map(({item}) => item));
  }

  /** The model's probabilities for the gallery, one row of `numClasses` per example. */
  showGuesses(values, k, classNames) {
    this.galleryItems.forEach(({item, verdict, label}, i) => {
      const probabilities = values.subarray(i * k, (i + 1) * k);
      renderBars(item.querySelector('.sg-w-bars'), probabilities, classNames, Math.min(3, k), label);
      const right = topK(probabilities, 1)[0] === label;
      item.classList.toggle('sg-w-gallery-right', right);
      item.classList.toggle('sg-w-gallery-wrong', !right);
      verdict.textContent = right ? '✓ right' : '✗ wrong';
    });
  }

  /** Show (true) or hide the charts' section. */
  showCharts(on) {
    this.chartsSection.hidden = !on;
  }

  /**
   * Lock the settings and layers while training; Train only for a valid layer list. Focus
   * that was on Train or Stop moves to the other (a disabled button would drop it to the page).
   */
  setTraining(on, valid) {
    const hadFocus = [this.trainButton, this.stopButton].includes(document.activeElement);
    for (const input of [this.datasetSelect, this.configSelect, this.optimizer, this.learningRate, this.batchSize,
      this.epochs, this.addButton]) {
      input.disabled = on;
    }
    this.layers.setDisabled(on);
    this.stopButton.disabled = !on;
    this.trainButton.disabled = on || !valid;
    if (hadFocus) (on ? this.stopButton : this.trainButton).focus();
  }

  allowTraining(ok) {
    this.trainButton.disabled = !ok;
  }

  say(text) {
    this.status.textContent = text;
  }
}
