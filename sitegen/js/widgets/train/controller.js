// The train widget's state and actions: the model of the chosen config (kept after training,
// for download), training runs through the shared lib/training-session.js, and their
// charts, evaluation and status.
import * as tf from '@tensorflow/tfjs';
import {fetchJson, WidgetError} from '../../lib/resources.js';
import {buildModel, parseLayerList, LayerListError} from '../../lib/layers.js';
import {liveHistory, renderEvaluation, renderModelSummary} from '../../lib/charts.js';
import {TrainingSession, WARMING_UP, COMPILING, stoppedEarly} from '../../lib/training-session.js';
import {formatInt, formatPercent} from '../../lib/ui.js';

export class TrainController {
  constructor({shell, data, configs, view, options, context}) {
    Object.assign(this, {shell, data, configs, view, options, context});
    this.layerLists = new Map();  // config name -> parsed layer list
    this.model = null;  // the model of the chosen config, trained or not
    this.trained = false;  // whether this.model has been trained (and can be downloaded)
    this.session = new TrainingSession((on) => view.setTraining(on, this.trained));
    // epochLogs: {loss, acc, val_loss, val_acc, seconds (since Train was pressed)} of each whole
    // epoch of the last run: how long the reader waited for each accuracy
    this.state = {runs: 0, examplesPerSecond: 0, evaluation: null, epochLogs: [], tensorsAfterTraining: null};
  }

  async layerList(name) {
    if (!this.layerLists.has(name)) {
      const raw = await fetchJson(new URL(this.configs[name].path, this.context.dataUrl(this.options.dataset)),
        `the model config "${name}"`);
      this.layerLists.set(name, parseLayerList(raw));
    }
    return this.layerLists.get(name);
  }

  /** A new model of the chosen config in place of the last one, and its summary. */
  async freshModel() {
    this.model?.dispose();
    this.model = null;
    this.trained = false;
    this.model = buildModel(await this.layerList(this.view.modelName), this.data.shape, this.data.numClasses);
    await renderModelSummary(this.view.summary, this.model);
    return this.model;
  }

  chooseModel() {
    this.freshModel().catch((err) => this.shell.fail(err));
  }

  /** Compile the shaders of a run with the current settings before the reader asks for one. */
  warmUp() {
    const settings = this.view.settings();
    const warming = this.session.warmUp({
      data: this.data, optimizer: settings.optimizer, learningRate: settings.learningRate,
      batchSize: settings.batchSize, trainSize: settings.trainSize, testSize: this.options.test_size,
      makeModel: async () => buildModel(await this.layerList(settings.model), this.data.shape, this.data.numClasses),
    });
    return warming.then(() => { this.shell.el.dataset.warmedUp = String(this.session.warmedUp); });
  }

  train() {
    this.run().catch((err) => {
      this.shell.el.dataset.trained = 'error';
      this.shell.fail(err instanceof LayerListError
        ? new WidgetError(`The model config ${this.view.modelName} is not valid.`,
          'Fix the layer list file and rebuild the site.', err.message)
        : err, 'Try a smaller batch size or fewer training examples, or reload the page.');
    });
  }

  stop() {
    this.session.stop();
    this.view.say('Stopping after this batch…');
  }

  download() {
    if (!this.model) return;
    const name = `${this.options.dataset}-${this.view.modelName}`.replace(/[^\w.-]+/g, '-');
    this.model.save(`downloads://${name}`).catch((err) => this.shell.fail(err, 'Your browser blocked the download: ' +
      'allow downloads for this site and try again.'));
  }

  async run() {
    const {shell, view, state} = this;
    const settings = view.settings();
    const began = performance.now();
    shell.el.dataset.trained = 'false';
    state.epochLogs = [];
    const progress = batchProgress(view, shell.backend.name, settings);
    try {
      await this.session.run({
        data: this.data, makeModel: () => this.freshModel(), keepModel: true,
        optimizer: settings.optimizer, learningRate: settings.learningRate, epochs: settings.epochs,
        batchSize: settings.batchSize, trainSize: settings.trainSize, testSize: this.options.test_size,
        onWait: () => view.progress.set(0, WARMING_UP),
        onStart: ({trainSet}) => progress.start(trainSet.xs.shape[0], this.session.warmedUp ? 'Starting…' : COMPILING),
        onBatch: (batch) => progress.batch(batch),
        onEpoch: ({logs}) => {
          state.epochLogs.push({...logs, seconds: (performance.now() - began) / 1000});
          progress.perEpoch.add(logs);
        },
        onEnd: ({model, result, testSet}) => this.finish(model, result, testSet, progress),
      });
    } finally {
      state.tensorsAfterTraining = tf.memory().numTensors;
    }
    shell.el.dataset.trained = 'true';
  }

  async finish(model, result, testSet, progress) {
    const {view, state, data} = this;
    const backend = this.shell.backend.name;
    progress.flush();
    state.examplesPerSecond = result.examplesPerSecond;
    state.evaluation = null;
    if (result.epochs === 0) {
      // A model stopped before one pass over its examples has hardly learnt: no accuracy is claimed.
      view.showEvaluation(false);
      view.showCharts(result.examples > 0);
      view.say(stoppedEarly(result.examples, progress.trainSize));
    } else {
      view.showEvaluation(true);
      state.evaluation = await renderEvaluation(model, testSet.xs, testSet.ys, data.classNames, view.perClass,
        view.confusion);
      this.trained = true;
      view.say(`${result.stopped ? `Stopped after ${result.epochs} of ${progress.epochs} epochs` : 'Done'}: ` +
        `${formatInt(result.examples)} examples in ${result.seconds.toFixed(1)} s (${formatInt(result.examplesPerSecond)} ` +
        `examples/s on ${backend}); test accuracy ${formatPercent(state.evaluation.accuracy)} ` +
        `(${formatInt(testSet.xs.shape[0])} examples).`);
    }
    progress.end(result.stopped);
    state.runs += 1;
  }
}

// The progress bar and the live charts of one run of `settings`.
function batchProgress(view, backend, settings) {
  let done = 0;
  let total = 1;
  const run = {
    batches: null,
    epochs: settings.epochs,
    trainSize: 0,
    start(trainSize, message) {
      run.trainSize = trainSize;
      total = settings.epochs * Math.ceil(trainSize / settings.batchSize);
      view.showCharts(true);
      run.batches = liveHistory(view.batchCharts, ['loss', 'acc'], {xLabel: 'Batch'});
      run.perEpoch = liveHistory(view.epochCharts, ['loss', 'val_loss', 'acc', 'val_acc'], {xLabel: 'Epoch', everyMs: 0});
      view.progress.set(0, message);
    },
    batch({logs, examplesPerSecond}) {
      done += 1;
      const rate = examplesPerSecond ? `, ${formatInt(examplesPerSecond)} examples/s` : '';
      view.progress.set(done / total, `batch ${done} of ${total}${rate} (${backend})`);
      run.batches.add({loss: logs.loss, acc: logs.acc});
    },
    flush() {
      run.batches?.flush();
      run.perEpoch?.flush();
    },
    end(stopped) {
      view.progress.set(stopped ? done / total : 1);
    },
  };
  return run;
}
