// Charts and tables drawn with tfjs-vis into a widget's own elements (never the visor).
import * as tf from '@tensorflow/tfjs';
import * as tfvisModule from '@tensorflow/tfjs-vis';
import {h, formatInt} from './ui.js';
import {renderClassTable} from './class-list.js';

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

/** Up to this many classes the confusion matrix is drawn; beyond, its cells would be unreadable
 * (and 13,065 x 13,065 counts are 170 million numbers), so the top confusions are listed. */
export const MATRIX_MAX_CLASSES = 50;
const TOP_CONFUSIONS = 20;
const PREDICT_BATCH = 256;  // [256, 13,065] float32 outputs are 13 MB at a time

/** The most frequent mistakes, [{truth, predicted, count}] by count (then class order). */
export function topConfusions(truth, predicted, numClasses, k = TOP_CONFUSIONS) {
  const counts = new Map();
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === predicted[i]) continue;
    const key = truth[i] * numClasses + predicted[i];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Array.from(counts, ([key, count]) => ({truth: Math.floor(key / numClasses), predicted: key % numClasses, count}))
    .sort((a, b) => b.count - a.count || a.truth - b.truth || a.predicted - b.predicted)
    .slice(0, k);
}

// The model's class for each example of xs, predicted in batches so that only one batch of
// class scores is on the GPU at once.
async function predictClasses(model, xs) {
  const n = xs.shape[0];
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += PREDICT_BATCH) {
    const size = Math.min(PREDICT_BATCH, n - start);
    const best = tf.tidy(() => model.predict(xs.slice(start, size)).argMax(-1));
    out.set(await best.data(), start);
    best.dispose();
  }
  return out;
}

/**
 * Per-class accuracy table and confusion matrix of `model` on (xs, ys), ys as
 * lib/trainer.js splitTensors makes it (one-hot, or class indices [n, 1]). Many classes: a
 * searchable table, and the most frequent confusions instead of the matrix.
 * Returns {perClass, matrix (null for many classes), confusions, accuracy}.
 */
export async function renderEvaluation(model, xs, ys, classNames, tableEl, matrixEl) {
  // Only label vectors come back from the GPU; counting is done here rather than with
  // tfvis.metrics, whose tensors are not all disposed.
  const truthT = tf.tidy(() => (ys.shape[1] === 1 ? tf.cast(ys.reshape([-1]), 'int32') : ys.argMax(-1)));
  const [predicted, truth] = await Promise.all([predictClasses(model, xs), truthT.data()]);
  truthT.dispose();
  const k = classNames.length;
  const count = new Int32Array(k);
  const right = new Int32Array(k);
  for (let i = 0; i < truth.length; i++) {
    count[truth[i]] += 1;
    if (predicted[i] === truth[i]) right[truth[i]] += 1;
  }
  const perClass = Array.from(count, (n, i) => ({accuracy: n ? right[i] / n : 0, count: n}));
  renderPerClassTable(tableEl, perClass, classNames);
  const confusions = topConfusions(truth, predicted, k);
  let matrix = null;
  if (k <= MATRIX_MAX_CLASSES) {
    matrix = confusionCounts(truth, predicted, k);
    await tfvis.render.confusionMatrix(matrixEl, {values: matrix, tickLabels: classNames},
      {height: Math.min(420, 80 + 28 * k), width: Math.min(520, 120 + 32 * k)});
  } else {
    renderTopConfusions(matrixEl, confusions, classNames);
  }
  const correct = right.reduce((a, b) => a + b, 0);
  return {perClass, matrix, confusions, accuracy: truth.length ? correct / truth.length : 0};
}

// A plain table (sortable by eye, readable by screen readers) rather than tfjs-vis' own;
// searchable and scrolling for many classes (lib/class-list.js).
function renderPerClassTable(el, perClass, classNames) {
  renderClassTable(el, {
    caption: 'Accuracy per class (test examples)', head: ['Class', 'Accuracy', 'Examples'],
    tableClass: 'sg-w-per-class', count: perClass.length, name: (i) => classNames[i],
    row: (i) => h('tr', {},
      h('th', {scope: 'row', text: classNames[i]}),
      h('td', {text: perClass[i].count ? `${(100 * perClass[i].accuracy).toFixed(1)}%` : '–'}),
      h('td', {text: String(perClass[i].count)})),
  });
}

function renderTopConfusions(el, confusions, classNames) {
  const k = classNames.length;
  const note = h('p', {class: 'sg-w-hint', text: `With ${formatInt(k)} classes a confusion matrix (${formatInt(k)} × ` +
    `${formatInt(k)}) is too large to draw; here are the ${confusions.length ? 'most frequent' : ''} mistakes instead.`});
  if (!confusions.length) {
    note.textContent = `With ${formatInt(k)} classes a confusion matrix is too large to draw; the model made no ` +
      `mistakes on these test examples.`;
    el.replaceChildren(note);
    return;
  }
  el.replaceChildren(note, h('table', {class: 'sg-w-confusions'},
    h('caption', {text: 'Most frequent confusions (test examples)'}),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col', text: 'True class'}),
      h('th', {scope: 'col', text: 'Predicted'}), h('th', {scope: 'col', text: 'Examples'}))),
    h('tbody', {}, confusions.map(({truth, predicted, count}) => h('tr', {},
      h('td', {text: classNames[truth]}), h('td', {text: classNames[predicted]}), h('td', {text: String(count)}))))));
}

/** tfjs-vis' layer table of a model. */
export function renderModelSummary(el, model) {
  el.replaceChildren();
  return tfvis.show.modelSummary(el, model);
}
