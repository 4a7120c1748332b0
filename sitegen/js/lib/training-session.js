// One training run at a time, for every widget that trains (train, model-builder): the
// widget's controls are locked while it runs, Stop aborts it after the current batch
// (an AbortController), and whatever the run made -- the data tensors, the optimizer and
// its slots (Adam's moments are tensors), the model unless the widget keeps it -- is
// disposed in one `finally`, whether the run ends, is stopped or fails.
import * as tf from '@tensorflow/tfjs';
import {makeOptimizer} from './layers.js';
import {fitModel, lossFor, splitTensors} from './trainer.js';

export class TrainingSession {
  #controller = null;

  /** @param {(training: boolean) => void} setBusy  locks or unlocks the widget's controls */
  constructor(setBusy) {
    this.setBusy = setBusy;
  }

  get running() {
    return this.#controller !== null;
  }

  /** Ends the run after the current batch. */
  stop() {
    this.#controller?.abort();
  }

  /**
   * Build, compile and train one model on a loaded MnistData; returns what `onEnd` returns.
   * @param plan {data, makeModel: async () => model, keepModel, optimizer, learningRate,
   *   epochs, batchSize, trainSize, testSize (0: no validation data),
   *   onStart({model, trainSet, testSet}), onBatch / onEpoch (lib/trainer.js fitModel), onEnd({model, result, testSet})}
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
      model = await plan.makeModel();
      optimizer = makeOptimizer(plan.optimizer, plan.learningRate);
      // Labels stay class indices on the GPU where one-hot would not fit (many classes).
      const loss = lossFor(plan.data, Math.max(plan.trainSize, plan.testSize || 0));
      model.compile({optimizer, loss, metrics: ['accuracy']});
      trainSet = splitTensors(plan.data, 'train', plan.trainSize, loss);
      testSet = plan.testSize ? splitTensors(plan.data, 'test', plan.testSize, loss) : null;
      await plan.onStart?.({model, trainSet, testSet});
      const result = await fitModel(model, trainSet, testSet, {epochs: plan.epochs, batchSize: plan.batchSize,
        signal: controller.signal, onBatch: plan.onBatch, onEpoch: plan.onEpoch});
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
