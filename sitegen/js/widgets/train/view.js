// The train widget's DOM: example images, the settings, Train / Stop / Download, progress
// and status, the model summary, live charts and the evaluation. The controller fills the
// chart and table containers; input goes to its actions.
import TABLES from 'sitegen:tables';
import {h, field, numberInput, select, readNumber, progressBar, exampleCanvas, formatInt} from '../../lib/ui.js';

const OPTIMIZERS = Object.entries(TABLES.optimizers);

export class TrainView {
  /**
   * @param {{options, configNames: string[], numTrain: number, shape: number[],
   *          examples: {pixels, name}[], status: string}} settings  options: the demo's
   */
  constructor(body, {options, configNames, numTrain, shape, examples, status}) {
    this.options = options;
    this.modelSelect = select(configNames, options.model || configNames[0], 'model');
    this.epochs = numberInput(options.epochs, {min: 1, max: 100});
    this.batchSize = numberInput(options.batch_size, {min: 1, max: 4096});
    this.trainSize = numberInput(Math.min(options.train_size, numTrain), {min: 1, max: numTrain});
    this.learningRate = numberInput(options.learning_rate, {min: 0.00001, max: 10, step: 'any'});
    this.optimizer = select(OPTIMIZERS, options.optimizer, 'optimizer');
    this.trainButton = h('button', {type: 'button', class: 'sg-w-primary', text: 'Train'});
    this.stopButton = h('button', {type: 'button', text: 'Stop', disabled: true});
    this.downloadButton = h('button', {type: 'button', text: 'Download model', disabled: true});
    this.progress = progressBar('Training progress');
    this.status = h('p', {class: 'sg-w-status', 'aria-live': 'polite', text: status});
    this.summary = h('div', {class: 'sg-w-section sg-w-summary'});
    this.batchCharts = h('div', {class: 'sg-w-chart sg-w-batch-chart'});
    this.epochCharts = h('div', {class: 'sg-w-chart sg-w-epoch-chart'});
    this.perClass = h('div', {class: 'sg-w-section sg-w-per-class-wrap'});
    this.confusion = h('div', {class: 'sg-w-section sg-w-confusion'});
    const gallery = h('div', {class: 'sg-w-examples'}, examples.map(({pixels, name}, i) =>
      h('figure', {class: 'sg-w-example-item'},
        exampleCanvas(pixels, shape, `example ${i + 1}: ${name}`), h('figcaption', {text: name}))));
    body.append(
      h('section', {class: 'sg-w-section'}, h('h4', {text: 'Examples from the data set'}), gallery),
      h('div', {class: 'sg-w-controls'},
        field('Model', this.modelSelect).wrap,
        field('Epochs', this.epochs).wrap,
        field('Batch size', this.batchSize).wrap,
        field('Training examples', this.trainSize, `of ${formatInt(numTrain)}`).wrap,
        field('Learning rate', this.learningRate).wrap,
        field('Optimizer', this.optimizer).wrap),
      h('div', {class: 'sg-w-buttons'}, this.trainButton, this.stopButton, this.downloadButton),
      this.progress.el, this.status,
      h('section', {class: 'sg-w-section'}, h('h4', {text: 'Model'}), this.summary));
    // Shown once they have something to show: headings over empty boxes read as broken.
    this.chartsSection = chartPair('Loss and accuracy per batch', this.batchCharts,
      'Per epoch (with test examples)', this.epochCharts);
    this.evaluationSection = chartPair('Accuracy per class', this.perClass, 'Confusion matrix', this.confusion);
    this.chartsSection.hidden = true;
    this.evaluationSection.hidden = true;
    body.append(this.chartsSection, this.evaluationSection);
  }

  /** Report input to `actions`: {train(), stop(), download(), chooseModel()}. */
  bind(actions) {
    this.trainButton.addEventListener('click', () => actions.train());
    this.stopButton.addEventListener('click', () => actions.stop());
    this.downloadButton.addEventListener('click', () => actions.download());
    this.modelSelect.addEventListener('change', () => actions.chooseModel());
  }

  get modelName() {
    return this.modelSelect.value;
  }

  /** The reader's settings, each clamped to its field's range (the demo's value when not a number). */
  settings() {
    const o = this.options;
    return {
      model: this.modelSelect.value, optimizer: this.optimizer.value,
      epochs: readNumber(this.epochs, o.epochs), batchSize: readNumber(this.batchSize, o.batch_size),
      trainSize: readNumber(this.trainSize, o.train_size), learningRate: readNumber(this.learningRate, o.learning_rate),
    };
  }

  /**
   * Lock the settings while training; Download once a model has been trained. Focus that was
   * on Train or Stop moves to the other (a disabled button would drop it to the page).
   */
  setTraining(on, canDownload) {
    const hadFocus = [this.trainButton, this.stopButton].includes(document.activeElement);
    for (const input of [this.modelSelect, this.epochs, this.batchSize, this.trainSize, this.learningRate,
      this.optimizer, this.trainButton, this.downloadButton]) {
      input.disabled = on;
    }
    this.stopButton.disabled = !on;
    if (!on) this.downloadButton.disabled = !canDownload;
    if (hadFocus) (on ? this.stopButton : this.trainButton).focus();
  }

  /** Show (true) or hide the live charts' section, and the evaluation's. */
  showCharts(on) {
    this.chartsSection.hidden = !on;
  }

  showEvaluation(on) {
    this.evaluationSection.hidden = !on;
  }

  say(text) {
    this.status.textContent = text;
  }
}

function chartPair(leftTitle, left, rightTitle, right) {
  return h('section', {class: 'sg-w-charts'},
    h('div', {}, h('h4', {text: leftTitle}), left),
    h('div', {}, h('h4', {text: rightTitle}), right));
}
