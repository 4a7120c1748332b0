// Charts and tables drawn with tfjs-vis into a widget's own elements (never the visor).
import * as tf from '@tensorflow/tfjs';
import * as tfvisModule from '@tensorflow/tfjs-vis';
import {h} from './ui.js';

// tfjs-vis ships CommonJS: its names hang off the default export once bundled.
export const tfvis = tfvisModule.default ?? tfvisModule;

/**
 * Live line charts of training logs, redrawn at most every `everyMs` (vega redraws cost
 * more than a batch of a small model, so every batch would slow training down).
 * add(log) appends a point; flush() draws now.
 */
export function liveHistory(container, metrics, {everyMs = 1000, xLabel = 'Batch', height = 200} = {}) {
  const logs = [];
  let last = 0;
  let pending = null;
  async function draw() {
    pending = null;
    last = performance.now();
    const present = metrics.filter((m) => logs.some((log) => log[m] != null));
    if (present.length === 0) return;
    await tfvis.show.history(container, logs, present, {xLabel, height, zoomToFit: true});
  }
  return {
    logs,
    add(log) {
      logs.push({...log});
      if (performance.now() - last >= everyMs && !pending) pending = draw();
      return pending;
    },
    async flush() {
      if (pending) await pending;
      await draw();
    },
  };
}

/** Counts [truth][predicted] of two label arrays. */
export function confusionCounts(truth, predicted, numClasses) {
  const matrix = Array.from({length: numClasses}, () => new Array(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) matrix[truth[i]][predicted[i]] += 1;
  return matrix;
}

/** Per-class accuracy table and confusion matrix of `model` on (xs, ys one-hot). */
export async function renderEvaluation(model, xs, ys, classNames, tableEl, matrixEl) {
  // Only two small label vectors come back from the GPU; counting is done here rather than
  // with tfvis.metrics, whose tensors are not all disposed.
  const [predictedT, truthT] = tf.tidy(() => [model.predict(xs).argMax(-1), ys.argMax(-1)]);
  const [predicted, truth] = await Promise.all([predictedT.data(), truthT.data()]);
  predictedT.dispose();
  truthT.dispose();
  const matrix = confusionCounts(truth, predicted, classNames.length);
  const perClass = matrix.map((row, i) => {
    const count = row.reduce((a, b) => a + b, 0);
    return {accuracy: count ? row[i] / count : 0, count};
  });
  renderPerClassTable(tableEl, perClass, classNames);
  await tfvis.render.confusionMatrix(matrixEl, {values: matrix, tickLabels: classNames},
    {height: Math.min(420, 80 + 28 * classNames.length), width: Math.min(520, 120 + 32 * classNames.length)});
  const correct = matrix.reduce((sum, row, i) => sum + row[i], 0);
  return {perClass, matrix, accuracy: truth.length ? correct / truth.length : 0};
}

// A plain table (sortable by eye, readable by screen readers) rather than tfjs-vis' own.
function renderPerClassTable(el, perClass, classNames) {
  const rows = perClass.map(({accuracy, count}, i) => h('tr', {},
    h('th', {scope: 'row', text: classNames[i]}),
    h('td', {text: count ? `${(100 * accuracy).toFixed(1)}%` : '–'}),
    h('td', {text: String(count)})));
  el.replaceChildren(h('table', {class: 'sg-w-per-class'},
    h('caption', {text: 'Accuracy per class (test examples)'}),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col', text: 'Class'}), h('th', {scope: 'col', text: 'Accuracy'}),
      h('th', {scope: 'col', text: 'Examples'}))),
    h('tbody', {}, rows)));
}

/** tfjs-vis' layer table of a model. */
export function renderModelSummary(el, model) {
  el.replaceChildren();
  return tfvis.show.modelSummary(el, model);
}
