// The widgets' two kinds of chart -- training curves and the confusion matrix -- as small
// hand-written SVG, so that a reader who presses Train downloads no charting library (vega,
// vega-lite and vega-embed were 400 kB gzipped). Authors who want tfjs-vis still import
// js/tfjs-vis.js, which brings vega (lib/vega-embed-csp.js).
//
// Colours are never written into the markup: every element has a class, and
// templates/static/widgets.css colours the classes with the theme's variables, so light and
// dark modes (and the theme toggle) restyle a chart without redrawing it. Number colours and
// styles that depend on data are attributes (fill-opacity), which the CSP allows.
//
// The markup, for tests and stylesheets (the role-* and mark-* names are vega's own):
//   svg.sg-w-svg                         the chart, its background var(--bg)
//     g.role-axis[data-axis=x|y]          one axis:
//       line.sg-w-svg-domain                its baseline
//       g.role-axis-tick > line             its ticks (y: grid lines .sg-w-svg-grid)
//       g.role-axis-label > text            its tick labels
//       g.role-axis-title > text            its title ('Batch', 'Loss', 'Predicted class', ...)
//     path.mark-line.sg-w-svg-s<i>         a series' line (i: 0 training, 1 test)
//     circle.mark-symbol.sg-w-svg-s<i>     a point, drawn when there are few
//     g.role-legend > g.sg-w-svg-legend-entry > circle + text   series names (two or more)
//     rect.sg-w-svg-hit > title            hover targets: one per x (line) with every series'
//                                          value, or one per cell (matrix)
//     rect.mark-rect.sg-w-svg-cell         a matrix cell, var(--accent) at fill-opacity count/max
//                                          over a .sg-w-svg-cells-bg of var(--bg-soft)
//     text.sg-w-svg-count(.sg-w-svg-count-strong)   a cell's count (light on the darker half)

import {svg as s} from './ui.js';

const CHAR = 6.2;  // about the width of a digit or letter of the charts' 11px text, in px

const round = (v) => Math.round(v * 10) / 10;  // coordinates: a tenth of a pixel is enough
const textWidth = (text) => String(text).length * CHAR;

// Number formats (after the d3-format strings the vega specs used).
const trimmed = (digits) => (v) => String(parseFloat(v.toPrecision(digits)));  // '.3~g', '.4~g'
export const FORMATS = {
  sig3: trimmed(3),
  sig4: trimmed(4),
  percent: (v) => `${Math.round(v * 100)}%`,  // '.0%'
  integer: (v) => Math.round(v).toLocaleString('en-US'),  // ',d'
  oneDecimal: (v) => v.toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1}),  // ',.1f'
};

/** A step of 1, 2 or 5 times a power of ten, at least `raw` (and at least `min`). */
function niceStep(raw, min = 0) {
  if (!(raw > 0)) return Math.max(1, min);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw * (1 - 1e-9));
  return Math.max(step, min);
}

/** Ticks from lo to hi, `step` apart, on multiples of `step`. */
function ticks(lo, hi, step) {
  const out = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(parseFloat((i * step).toPrecision(12)));
  return out;
}

/**
 * The y domain and ticks of `values`: `domain` if given; else from zero (`zero`) or from the
 * smallest value, to the largest, widened to whole steps. `integer`: steps of at least 1.
 */
function yScale(values, {domain, zero = true, integer = false}, maxTicks) {
  let [lo, hi] = domain ?? [zero ? Math.min(0, ...values) : Math.min(...values), Math.max(...values)];
  if (!(hi > lo)) [lo, hi] = domain ? [lo, lo + 1] : (zero || lo === 0 ? [Math.min(0, lo), Math.max(0, lo) + 1] : [lo - Math.abs(lo) * 0.1, lo + Math.abs(lo) * 0.1]);
  const step = niceStep((hi - lo) / Math.max(1, maxTicks), integer ? 1 : 0);
  if (!domain) [lo, hi] = [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
  return {lo, hi, ticks: ticks(lo, hi, step)};
}

/**
 * A line chart into `el` (replacing what it held): `series` [{name, points: [{x, y}]}] over x
 * from 1 to n (batches or epochs), drawn with dots too when n < `pointsUpTo`; y formatted by
 * `format` (a FORMATS function), its scale {domain, zero, integer}; a legend for two or more
 * series. As wide as the element (at least 160 px), `height` px high.
 */
export function lineChart(el, {series, n, xLabel, yLabel, format, tooltipFormat = format, scale = {}, height = 200,
  pointsUpTo = 30}) {
  const width = Math.max(160, el.clientWidth || 300);
  const values = series.flatMap((one) => one.points.map((p) => p.y));
  const legend = series.length > 1;
  const top = 8, right = 10, bottom = 38 + (legend ? 20 : 0);
  const plotH = Math.max(20, height - top - bottom);
  const y = yScale(values.length ? values : [0], scale, Math.floor(plotH / 24));
  const yLabels = y.ticks.map(format);
  const left = 20 + Math.max(...yLabels.map(textWidth)) + 8;
  const plotW = Math.max(20, width - left - right);
  const xLo = 0.5, xHi = Math.max(1, n) + 0.5;  // whole batches or epochs, half a step of room at either end
  const px = (x) => round(left + ((x - xLo) / (xHi - xLo)) * plotW);
  const py = (v) => round(top + plotH - ((v - y.lo) / (y.hi - y.lo)) * plotH);
  // x ticks: whole numbers, far enough apart for their labels
  const xStep = niceStep((Math.max(36, textWidth(FORMATS.integer(n)) + 14) / plotW) * (xHi - xLo), 1);
  const xTicks = ticks(1, Math.max(1, n), xStep);
  const baseY = top + plotH;

  const svg = s('svg', {class: 'sg-w-svg', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${yLabel} per ${xLabel.toLowerCase()}`});
  svg.append(
    s('g', {class: 'role-axis', 'data-axis': 'y'},
      s('g', {class: 'role-axis-tick'}, y.ticks.map((t) => s('line', {class: 'sg-w-svg-grid', x1: left, x2: left + plotW, y1: py(t), y2: py(t)}))),
      s('line', {class: 'sg-w-svg-domain', x1: left, x2: left, y1: top, y2: baseY}),
      s('g', {class: 'role-axis-label'}, y.ticks.map((t, i) => s('text', {x: left - 5, y: py(t), 'text-anchor': 'end',
        'dominant-baseline': 'middle', text: yLabels[i]}))),
      s('g', {class: 'role-axis-title'}, s('text', {transform: `translate(11 ${round(top + plotH / 2)}) rotate(-90)`,
        'text-anchor': 'middle', text: yLabel}))),
    s('g', {class: 'role-axis', 'data-axis': 'x'},
      s('line', {class: 'sg-w-svg-domain', x1: left, x2: left + plotW, y1: baseY, y2: baseY}),
      s('g', {class: 'role-axis-tick'}, xTicks.map((t) => s('line', {x1: px(t), x2: px(t), y1: baseY, y2: baseY + 5}))),
      s('g', {class: 'role-axis-label'}, xTicks.map((t) => s('text', {x: px(t), y: baseY + 17, 'text-anchor': 'middle',
        text: FORMATS.integer(t)}))),
      s('g', {class: 'role-axis-title'}, s('text', {x: round(left + plotW / 2), y: baseY + 33, 'text-anchor': 'middle', text: xLabel}))));
  series.forEach(({points}, i) => {
    if (points.length === 0) return;
    // a gap where a value is missing (an epoch without test examples)
    const d = points.map((p, j) => `${j && points[j - 1].x === p.x - 1 ? 'L' : 'M'}${px(p.x)},${py(p.y)}`).join('');
    svg.append(s('path', {class: `mark-line sg-w-svg-s${i}`, d}));
    if (n < pointsUpTo) svg.append(s('g', {class: 'role-mark'}, points.map((p) => s('circle', {class: `mark-symbol sg-w-svg-s${i}`, cx: px(p.x), cy: py(p.y), r: 3.2}))));
  });
  if (legend) {
    let x = left;
    svg.append(s('g', {class: 'role-legend'}, series.map(({name}, i) => {
      const entry = s('g', {class: 'sg-w-svg-legend-entry', transform: `translate(${x} ${height - 8})`},
        s('circle', {class: `mark-symbol sg-w-svg-s${i}`, cx: 4, cy: -4, r: 4}),
        s('text', {x: 12, y: 0, text: name}));
      x += 12 + textWidth(name) + 16;
      return entry;
    })));
  }
  // hover targets on top: one column per x, its title every series' value there
  const column = plotW / (xHi - xLo);
  const byX = new Map();
  for (const {name, points} of series) {
    for (const p of points) (byX.get(p.x) ?? byX.set(p.x, []).get(p.x)).push(`${series.length > 1 ? `${name}: ` : ''}${tooltipFormat(p.y)}`);
  }
  svg.append(s('g', {class: 'role-hit'}, [...byX].map(([x, lines]) => s('rect', {class: 'sg-w-svg-hit',
    x: round(px(x) - column / 2), y: top, width: round(column), height: plotH},
  s('title', {text: `${xLabel} ${x}\n${series.length > 1 ? '' : `${series[0].name}: `}${lines.join('\n')}`})))));
  el.replaceChildren(svg);
  return svg;
}

/** `text` cut to about `px` pixels, with an ellipsis. */
function fit(text, px) {
  const most = Math.max(1, Math.floor(px / CHAR));
  return text.length <= most ? text : `${text.slice(0, Math.max(1, most - 1))}…`;
}

/**
 * The confusion matrix `matrix` [truth][predicted] of `classNames` into `el` (replacing what it
 * held): cells from var(--bg-soft) (no examples) to var(--accent) (the most), the count in each.
 * As wide as the element allows (at most 140 + 36 px a class), 110 + 30 px a class high (at most 440).
 */
export function confusionMatrix(el, matrix, classNames) {
  const k = classNames.length;
  const width = Math.min(el.clientWidth || 320, 140 + 36 * k);
  const height = Math.min(440, 110 + 30 * k);
  const most = Math.max(1, ...matrix.flat());
  const longest = Math.max(...classNames.map((name) => textWidth(name)));
  const labelRoom = Math.min(90, longest);  // longer names are cut (whole in the cells' titles)
  const left = 20 + labelRoom + 8, top = 6, right = 6;
  const cellW = Math.max(1, (width - left - right) / k);
  const upright = longest <= cellW - 4;  // x labels across when they fit, else turned
  const bottom = 30 + (upright ? 12 : labelRoom);
  const cellH = Math.max(1, (height - top - bottom) / k);
  const baseY = top + k * cellH;
  const fontSize = Math.max(6, Math.min(11, cellH * 0.6, cellW / (String(most).length * 0.62 + 0.4)));
  const cx = (p) => round(left + (p + 0.5) * cellW);
  const cy = (t) => round(top + (t + 0.5) * cellH);

  const svg = s('svg', {class: 'sg-w-svg sg-w-svg-matrix', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'Confusion matrix: true class by predicted class'});
  svg.append(s('rect', {class: 'sg-w-svg-cells-bg', x: left, y: top, width: round(k * cellW), height: round(k * cellH)}));
  const cells = s('g', {class: 'role-mark'});
  matrix.forEach((row, t) => row.forEach((count, p) => {
    const x = round(left + p * cellW), y = round(top + t * cellH);
    cells.append(s('rect', {class: 'mark-rect sg-w-svg-cell', x, y, width: round(cellW), height: round(cellH),
      'fill-opacity': round(count / most * 1000) / 1000}));
    cells.append(s('text', {class: `sg-w-svg-count${count > most / 2 ? ' sg-w-svg-count-strong' : ''}`, x: cx(p), y: cy(t),
      'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': round(fontSize), text: String(count)}));
    cells.append(s('rect', {class: 'sg-w-svg-hit', x, y, width: round(cellW), height: round(cellH)},
      s('title', {text: `True class: ${classNames[t]}\nPredicted: ${classNames[p]}\nExamples: ${count}`})));
  }));
  svg.append(cells,
    s('g', {class: 'role-axis', 'data-axis': 'y'},
      s('g', {class: 'role-axis-label'}, classNames.map((name, t) => s('text', {x: left - 5, y: cy(t), 'text-anchor': 'end',
        'dominant-baseline': 'middle', text: fit(name, labelRoom)}))),
      s('g', {class: 'role-axis-title'}, s('text', {transform: `translate(11 ${round(top + k * cellH / 2)}) rotate(-90)`,
        'text-anchor': 'middle', text: 'True class'}))),
    s('g', {class: 'role-axis', 'data-axis': 'x'},
      s('g', {class: 'role-axis-label'}, classNames.map((name, p) => (upright
        ? s('text', {x: cx(p), y: baseY + 15, 'text-anchor': 'middle', text: name})
        : s('text', {transform: `translate(${cx(p)} ${baseY + 5}) rotate(-90)`, 'text-anchor': 'end',
          'dominant-baseline': 'middle', text: fit(name, labelRoom)})))),
      s('g', {class: 'role-axis-title'}, s('text', {x: round(left + k * cellW / 2), y: height - 6, 'text-anchor': 'middle',
        text: 'Predicted class'}))));
  el.replaceChildren(svg);
  return svg;
}
