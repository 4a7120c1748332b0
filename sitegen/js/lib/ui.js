// Small DOM builders shared by the widgets; all styling lives in widgets.css (sg-w-*).

/** h('div', {class: 'x', onclick: fn}, child, 'text', ...) */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for an SVG element (the charts of lib/svg-charts.js). */
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : value);  // `class` too: an SVG element's className is read-only
  }
  for (const child of children.flat()) {
    if (child != null) el.append(child);
  }
  return el;
}

let fieldCounter = 0;

/** A labelled form control: returns {wrap, input}. */
export function field(label, input, hint) {
  const id = input.id || `sg-w-field-${++fieldCounter}`;
  input.id = id;
  const wrap = h('div', {class: 'sg-w-field'}, h('label', {for: id, text: label}), input);
  if (hint) wrap.append(h('span', {class: 'sg-w-hint', text: hint}));
  return {wrap, input};
}

export function numberInput(value, {min, max, step = 1, name} = {}) {
  return h('input', {type: 'number', value: String(value), min, max, step, name, inputmode: 'decimal'});
}

export function select(options, value, name) {
  const el = h('select', {name});
  for (const option of options) {
    const [v, label] = Array.isArray(option) ? option : [option, option];
    el.append(h('option', {value: v, text: label, selected: v === value}));
  }
  return el;
}

/** Read a number input, clamped to its min/max; the fallback when it is not a number. */
export function readNumber(input, fallback) {
  const v = Number(input.value);
  if (!Number.isFinite(v) || input.value === '') return fallback;
  const min = input.min === '' ? -Infinity : Number(input.min);
  const max = input.max === '' ? Infinity : Number(input.max);
  return Math.min(max, Math.max(min, v));
}

/** A progress bar with a text label; set(fraction, text). */
export function progressBar(label) {
  const bar = h('progress', {max: '1', value: '0', 'aria-label': label});
  const text = h('span', {class: 'sg-w-progress-text', 'aria-live': 'polite'});
  const wrap = h('div', {class: 'sg-w-progress'}, bar, text);
  return {
    el: wrap,
    set(fraction, message) {
      bar.value = Math.max(0, Math.min(1, fraction));
      if (message != null) text.textContent = message;
    },
  };
}

/** Paint uint8 or [0,1] float pixels (h*w*c) into a canvas of h x w. */
export function paintImage(canvas, pixels, height, width, channels = 1, scale = 1) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  const out = image.data;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = pixels[p * channels + (channels === 3 ? c : 0)] * scale;
    out[p * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

export function exampleCanvas(pixels, shape, label) {
  const [height, width, channels] = shape;
  const canvas = h('canvas', {class: 'sg-w-example', role: 'img', 'aria-label': label});
  return paintImage(canvas, pixels, height, width, channels);
}

export const formatPercent = (v) => `${(100 * v).toFixed(1)}%`;
export const formatInt = (v) => Math.round(v).toLocaleString('en-US');

/**
 * Call `fn` once, when `el` first comes into view and the page is idle: for work worth
 * doing before the reader asks (and not at all for a reader who never scrolls there).
 */
export function whenSeen(el, fn) {
  const idle = globalThis.requestIdleCallback ?? ((cb) => setTimeout(cb, 200));
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    idle(() => fn(), {timeout: 2000});
  });
  observer.observe(el);
}
