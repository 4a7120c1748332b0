// One training run at a time, for every widget that trains (train, model-builder): the
// widget's controls are locked while it runs, Stop aborts it after the current batch
// (an AbortController), and whatever the run made -- the data tensors, the optimizer and
// its slots (Adam's moments are tensors), the model unless the widget keeps it -- is
// disposed in one `finally`, whether the run ends, is stopped or fails.
//
// The first run on a page waits seconds (tens on some machines) while WebGL compiles its
// shaders, before the first batch ends. warmUp() trains a throwaway model of the same shape
// on one batch of zeros, so that those shaders are ready by the time the reader presses Train.
import * as tf from '@tensorflow/tfjs';
import {makeOptimizer} from './layers.js';
import {fitModel, lossFor, splitTensors, zerosLike} from './trainer.js';

/** What the progress bar says while a run waits for the warm-up, and during a first batch without one. */
export const WARMING_UP = 'Getting the graphics card ready: compiling its programs (once per page)…';
export const COMPILING = 'First batch: compiling the graphics card\'s programs (once per page; can take a while)…';

/** The status of a run stopped before it finished one epoch: no accuracy is claimed for it. */
export function stoppedEarly(examples, trainSize) {
  if (examples === 0) return 'Stopped before training started: nothing was trained.';
  return `Stopped before the first epoch finished (after ${examples.toLocaleString('en-US')} of ` +
    `${trainSize.toLocaleString('en-US')} training examples): the model has hardly started to learn, so no ` +
    'test accuracy is reported. Press Train to train it fully.';
}

export class TrainingSession {
  #controller = null;
  #warming = null;  // the warm-up run's promise while it runs

  /** @param {(training: boolean) => void} setBusy  locks or unlocks the widget's controls */
  constructor(setBusy) {
    this.setBusy = setBusy;
    this.warmedUp = false;  // whether a warm-up run or a training run has compiled the shaders
  }

  get running() {
    return this.#controller !== null;
  }

  /** Ends the run after the current batch. */
  stop() {
    this.#controller?.abort();
  }

  /**
   * Train a model of `plan` (as for run(); no hooks) on one batch of zeros, then dispose of
   * it: compiles the shaders that the first batch of run(plan) needs. Never throws (a warm-up
   * that fails only leaves the first run slow); run() waits for one in progress.
   */
  warmUp(plan) {
    if (tf.getBackend() !== 'webgl') this.warmedUp = true;  // only WebGL compiles shaders
    if (this.warmedUp || this.#warming || this.running) return this.#warming ?? Promise.resolve();
    this.#warming = (async () => {
      const sets = [];
      let model = null;
      let optimizer = null;
      try {
        const loss = lossFor(plan.data, Math.max(plan.trainSize, plan.testSize || 0));
        const batch = Math.min(plan.batchSize, plan.trainSize);
        sets.push(zerosLike(plan.data, batch, loss));
        if (plan.testSize) sets.push(zerosLike(plan.data, Math.min(plan.testSize, batch), loss));
        optimizer = makeOptimizer(plan.optimizer, plan.learningRate);
        model = await plan.makeModel();
        model.compile({optimizer, loss, metrics: ['accuracy']});
        await fitModel(model, sets[0], sets[1] ?? null, {epochs: 1, batchSize: batch});
        this.warmedUp = true;
      } catch (err) {
        console.warn('Warming up for training failed; the first run will be slower.', err);
      } finally {
        tf.dispose(sets);
        optimizer?.dispose();
        model?.dispose();
        this.#warming = null;
      }
    })();
    return this.#warming;
  }

  /**
   * Build, compile and train one model on a loaded MnistData; returns what `onEnd` returns.
   * @param plan {data, makeModel: async () => model, keepModel, optimizer, learningRate,
   *   epochs, batchSize, trainSize, testSize (0: no validation data),
   *   onWait() (a warm-up is still compiling the shaders), onStart({model, trainSet, testSet}),
   *   onBatch / onEpoch (lib/trainer.js fitModel), onEnd({model, result, testSet})}
   */
  async run(plan) {
    if (this.running) throw new Error('a training run is already going');
    const controller = new AbortController();
    this.#controller = controller;
    this.setBusy(true);
    let model = null;
    let optimizer = null;
    let trainSet = null;
    let testSet = null;
    try {
      if (this.#warming) {
        plan.onWait?.();
        await this.#warming;
      }
      model = await plan.makeModel();
      optimizer = makeOptimizer(plan.optimizer, plan.learningRate);
      // Labels stay class indices on the GPU where one-hot would not fit (many classes).
      const loss = lossFor(plan.data, Math.max(plan.trainSize, plan.testSize || 0));
      model.compile({optimizer, loss, metrics: ['accuracy']});
      trainSet = splitTensors(plan.data, 'train', plan.trainSize, loss);
      testSet = plan.testSize ? splitTensors(plan.data, 'test', plan.testSize, loss) : null;
      await plan.onStart?.({model, trainSet, testSet});
      const result = controller.signal.aborted  // stopped while waiting for the warm-up
        ? {examples: 0, epochs: 0, seconds: 0, examplesPerSecond: 0, stopped: true, history: {}}
        : await fitModel(model, trainSet, testSet, {epochs: plan.epochs, batchSize: plan.batchSize,
          signal: controller.signal, onBatch: plan.onBatch, onEpoch: plan.onEpoch});
      this.warmedUp = true;
      return plan.onEnd ? await plan.onEnd({model, result, testSet}) : result;
    } finally {
      tf.dispose([trainSet, testSet].filter(Boolean));  // {xs, ys, loss} each
      optimizer?.dispose();
      if (model && !plan.keepModel) model.dispose();
      this.#controller = null;
      this.setBusy(false);
    }
  }
}
