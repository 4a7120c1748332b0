// Charts and tables of training runs, drawn into a widget's own elements (never the visor):
// line charts and the confusion matrix are small SVG charts of our own (lib/svg-charts.js:
// number formats, whole batches and epochs, one-point charts that still read, the page's
// colours through widgets.css); the model summary and the per-class table are plain tables.
//
// No charting library is loaded, not even when a reader trains: vega (with vega-lite and
// vega-embed, 400 kB gzipped) and tfjs-vis are for authors who import js/tfjs-vis.js
// (which sets window.tfvis).
import * as tf from '@tensorflow/tfjs';
import {h, formatInt} from './ui.js';
import {renderClassTable} from './class-list.js';
import {FORMATS, lineChart as svgLineChart, confusionMatrix} from './svg-charts.js';

// What each kind of metric is plotted as: y axis title, number formats (axis, tooltip), scale.
const MEASURES = {
  loss: {title: 'Loss', format: FORMATS.sig3, tooltip: FORMATS.sig4, scale: {zero: true}},
  acc: {title: 'Accuracy', format: FORMATS.percent, tooltip: FORMATS.sig4, scale: {domain: [0, 1]}},
  examples_per_second: {title: 'Examples/s', format: FORMATS.integer, tooltip: FORMATS.oneDecimal,
    scale: {zero: true, integer: true}},
};
// Names of the series in legends: the training logs' names mean little to a reader.
const SERIES_NAMES = {loss: 'training', val_loss: 'test', acc: 'training', val_acc: 'test',
  examples_per_second: 'examples/s'};
const POINTS_UP_TO = 30;  // fewer points than this are drawn as dots too (one point is no line)

/**
 * One line chart of `series` (log names of one measure, e.g. ['acc', 'val_acc']) over `logs`,
 * x counted from 1 (batch or epoch), into `el`.
 */
function lineChart(el, logs, series, {xLabel = 'Batch', height = 200} = {}) {
  const measure = MEASURES[series[0].replace(/^val_/, '')] ??
    {title: series[0], format: FORMATS.sig3, tooltip: FORMATS.sig4, scale: {zero: false}};
  const lines = series.map((name) => ({
    name: SERIES_NAMES[name] ?? name,
    points: logs.flatMap((log, i) => (Number.isFinite(log[name]) ? [{x: i + 1, y: log[name]}] : [])),
  }));
  return svgLineChart(el, {series: lines, n: logs.length, xLabel, yLabel: measure.title, format: measure.format,
    tooltipFormat: measure.tooltip, scale: measure.scale, height, pointsUpTo: POINTS_UP_TO});
}

// Metrics grouped one chart per measure, each validation metric with its training metric.
function chartGroups(metrics) {
  const groups = new Map();
  for (const metric of metrics) {
    const measure = metric.replace(/^val_/, '');
    if (!groups.has(measure)) groups.set(measure, []);
    groups.get(measure).push(metric);
  }
  return [...groups.values()];
}

/**
 * Live line charts of training logs into `container`, one per measure (loss, accuracy, ...),
 * redrawn at most every `everyMs` (a redraw costs more than a batch of a small model, so
 * every batch would slow training down). add(log) appends a point; flush() draws now.
 */
export function liveHistory(container, metrics, {everyMs = 1000, xLabel = 'Batch', height = 200} = {}) {
  const logs = [];
  const plots = new Map();  // chart group (its first metric) -> its element
  let last = -Infinity;
  container.replaceChildren();
  function draw() {
    last = performance.now();
    for (const series of chartGroups(metrics)) {
      const present = series.filter((m) => logs.some((log) => log[m] != null));
      if (present.length === 0) continue;
      if (!plots.has(series[0])) {
        plots.set(series[0], h('div', {class: 'sg-w-chart-plot', 'data-measure': series[0].replace(/^val_/, '')}));
        // in the order of `metrics`, whichever got data first
        container.append(...chartGroups(metrics).map((group) => plots.get(group[0])).filter(Boolean));
      }
      lineChart(plots.get(series[0]), logs, present, {xLabel, height});
    }
  }
  return {
    logs,
    add(log) {
      logs.push({...log});
      if (performance.now() - last >= everyMs) draw();
    },
    flush: draw,
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
 * The classes `model` gives the examples of (xs, ys) and their true classes, ys as
 * lib/trainer.js splitTensors makes it (one-hot, or class indices [n, 1]); and the accuracy.
 * Returns {truth, predicted (Int32Array each), accuracy}.
 */
export async function testModel(model, xs, ys) {
  // Only label vectors come back from the GPU; counting is done here rather than with
  // tfvis.metrics, whose tensors are not all disposed.
  const truthT = tf.tidy(() => (ys.shape[1] === 1 ? tf.cast(ys.reshape([-1]), 'int32') : ys.argMax(-1)));
  const [predicted, truth] = await Promise.all([predictClasses(model, xs), truthT.data()]);
  truthT.dispose();
  let correct = 0;
  for (let i = 0; i < truth.length; i++) correct += predicted[i] === truth[i] ? 1 : 0;
  return {truth, predicted, accuracy: truth.length ? correct / truth.length : 0};
}

/**
 * Per-class accuracy table and confusion matrix of `model` on (xs, ys) (as for testModel).
 * Many classes: a searchable table, and the most frequent confusions instead of the matrix.
 * Returns {perClass, matrix (null for many classes), confusions, accuracy}.
 */
export async function renderEvaluation(model, xs, ys, classNames, tableEl, matrixEl) {
  const {truth, predicted, accuracy} = await testModel(model, xs, ys);
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
    await renderConfusionMatrix(matrixEl, matrix, classNames);
  } else {
    renderTopConfusions(matrixEl, confusions, classNames);
  }
  return {perClass, matrix, confusions, accuracy};
}

// Counts as a heat map (light to the theme's accent) with the count in each cell, as wide as
// its element allows: a phone's screen or half a wide page.
function renderConfusionMatrix(el, matrix, classNames) {
  confusionMatrix(el, matrix, classNames);
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

// The layer shapes of a model with batch dimension (null) shown as 'batch'.
function formatLayerShape(shape) {
  const one = (dims) => `[${dims.map((d) => (d == null ? 'batch' : d)).join(', ')}]`;
  return Array.isArray(shape[0]) ? `[${shape.map(one).join(', ')}]` : one(shape);
}

/**
 * The layer table of a model: name, output shape, parameters and whether it trains, as
 * tfjs-vis' modelSummary shows them (its class, tf-table, takes the theme's colours from
 * widgets.css), without loading tfjs-vis for it.
 */
export function renderModelSummary(el, model) {
  const head = ['Layer Name', 'Output Shape', '# Of Params', 'Trainable'];
  el.replaceChildren(h('table', {class: 'tf-table sg-w-model-summary'},
    h('thead', {}, h('tr', {}, head.map((text) => h('th', {scope: 'col', text})))),
    h('tbody', {}, model.layers.map((layer) => h('tr', {},
      h('td', {text: layer.name}), h('td', {text: formatLayerShape(layer.outputShape)}),
      h('td', {text: formatInt(layer.countParams())}), h('td', {text: String(layer.trainable)}))))));
}
