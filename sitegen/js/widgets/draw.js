// `draw`: sketch on a canvas, and the converted model guesses what it is at each stroke's
// end. The drawing is prepared like the model's data set (metadata.json `preprocessing`,
// lib/preprocess.js) and the small image the model sees is shown next to the guesses. The
// model runs in a worker (lib/predictor.js), so the page keeps drawing while it thinks.
import {startWidget} from '../lib/shell.js';
import {openPredictor} from '../lib/predictor.js';
import {prepareDrawing} from '../lib/preprocess.js';
import {showNotice} from '../lib/notice.js';
import {renderBars} from '../lib/bars.js';
import {h, paintImage} from '../lib/ui.js';

// Pen width as a share of the canvas side, by data set style, when the demo sets none:
// close to how thick strokes are in each data set after scaling.
const PEN_SHARE = {mnist: 0.07, quickdraw: 0.03, glyph: 0.06};
const KEY_STEP = 0.04;  // a keyboard arrow press moves the pen this share of the side
const BACKEND_NAMES = {webgl: 'GPU (WebGL)', wasm: 'CPU (WebAssembly)', cpu: 'CPU (JavaScript)'};

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'draw', {pickBackend: false});
  const predictor = await openPredictor(context, options.model, (metadata) => metadata.preprocessing.input_shape, shell);
  const {metadata} = predictor;
  if (predictor.notice) showNotice(el, predictor.notice).classList.add('sg-w-backend-notice');
  el.dataset.backend = predictor.backend;
  el.sgWidget = {numTensors: predictor.numTensors, backend: () => predictor.backend};
  const prep = metadata.preprocessing;
  const [rows, cols, channels = 1] = prep.input_shape;
  const classNames = metadata.classes;
  const topK = Math.min(options.top_k, classNames.length);

  const canvas = h('canvas', {class: 'sg-w-draw-canvas', tabindex: '0', role: 'img',
    'aria-label': 'Drawing area. Draw with a mouse, finger or pen; with the keyboard, arrow keys draw ' +
      'from the centre and Enter finishes the stroke.'});
  const seen = h('canvas', {class: 'sg-w-draw-seen', role: 'img', 'aria-label': 'The image the model sees'});
  paintImage(seen, new Float32Array(rows * cols * channels), rows, cols, channels, 255);
  const guesses = h('ol', {class: 'sg-w-bars', 'aria-live': 'polite'});
  const status = h('p', {class: 'sg-w-status', text: 'Draw something.'});
  const clear = h('button', {type: 'button', text: 'Clear'});
  const undo = h('button', {type: 'button', text: 'Undo'});
  shell.body.append(
    h('div', {class: 'sg-w-draw-layout'},
      h('div', {class: 'sg-w-draw-pad'}, canvas, h('div', {class: 'sg-w-buttons'}, undo, clear)),
      h('div', {class: 'sg-w-draw-result'},
        h('figure', {}, seen, h('figcaption', {text: `What the model sees (${cols}x${rows})`})),
        guesses, status,
        h('p', {class: 'sg-w-hint sg-w-draw-runs-on', text: `The model runs on the ` +
          `${BACKEND_NAMES[predictor.backend] ?? predictor.backend}` +
          (predictor.where === 'worker' ? ' in a background thread.' : '.')}))));

  const strokes = [];  // each a list of [x, y] in 0..1 of the canvas side
  let current = null;
  let keyboardPen = null;
  const state = {lastInput: null, lastProbabilities: null, latencies: [], modelTimes: [], predictions: 0, strokes,
    where: predictor.where, timings: predictor.timings};
  el.sgDraw = state;

  function penWidth(size) {
    return options.stroke > 0 ? options.stroke * (size / canvas.clientWidth || 1)
      : size * (PEN_SHARE[prep.canvas] ?? PEN_SHARE.mnist);
  }

  // The backing store follows the CSS size times devicePixelRatio, so lines stay sharp.
  function fitCanvas() {
    const css = canvas.clientWidth || 280;
    const side = Math.round(css * (window.devicePixelRatio || 1));
    if (canvas.width !== side) {
      canvas.width = side;
      canvas.height = side;
    }
    redraw();
  }

  function redraw() {
    const context2d = canvas.getContext('2d', {willReadFrequently: true});
    const side = canvas.width;
    context2d.clearRect(0, 0, side, side);
    context2d.lineCap = 'round';
    context2d.lineJoin = 'round';
    context2d.strokeStyle = '#000';
    context2d.fillStyle = '#000';
    context2d.lineWidth = penWidth(side);
    for (const stroke of strokes) {
      if (stroke.length === 1) {
        context2d.beginPath();
        context2d.arc(stroke[0][0] * side, stroke[0][1] * side, context2d.lineWidth / 2, 0, 2 * Math.PI);
        context2d.fill();
        continue;
      }
      context2d.beginPath();
      stroke.forEach(([x, y], i) => (i ? context2d.lineTo(x * side, y * side) : context2d.moveTo(x * side, y * side)));
      context2d.stroke();
    }
  }

  function point(event) {
    const rect = canvas.getBoundingClientRect();
    return [(event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height];
  }

  let asked = 0;  // strokes sent to the model; an answer to an older drawing is dropped
  async function predict() {
    const started = performance.now();
    const ticket = ++asked;
    const context2d = canvas.getContext('2d', {willReadFrequently: true});
    const image = context2d.getImageData(0, 0, canvas.width, canvas.height);
    const input = prepareDrawing(image, prep);
    if (!input) {
      guesses.replaceChildren();
      paintImage(seen, new Float32Array(rows * cols * channels), rows, cols, channels, 255);
      status.textContent = 'Draw something.';
      return;
    }
    const probabilities = await predictor.predict(input);
    if (ticket !== asked) return;
    // Painted with the answer, not before asking: a change now would start a frame that
    // competes with the model for the processor.
    paintImage(seen, input, rows, cols, channels, 255);
    renderBars(guesses, probabilities, classNames, topK);
    const best = guesses.querySelector('.sg-w-bar-name')?.textContent;
    status.textContent = `Best guess: ${best}.`;
    state.lastInput = Array.from(input);
    state.lastProbabilities = Array.from(probabilities);
    state.latencies.push(performance.now() - started);
    state.modelTimes.push(predictor.lastModelMs);
    state.predictions += 1;
    el.dataset.predictions = String(state.predictions);
  }

  function strokeEnded() {
    predict().catch((err) => shell.fail(err));
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (event.button > 0) return;
    canvas.setPointerCapture(event.pointerId);
    current = [point(event)];
    strokes.push(current);
    redraw();
    event.preventDefault();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!current) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of (events.length ? events : [event])) current.push(point(e));
    redraw();
  });
  const end = () => {
    if (!current) return;
    current = null;
    strokeEnded();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  // Keyboard drawing: arrows extend a stroke from the centre, Enter ends it.
  canvas.addEventListener('keydown', (event) => {
    const moves = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
    if (moves[event.key]) {
      event.preventDefault();
      if (!keyboardPen) {
        keyboardPen = [[0.5, 0.5]];
        strokes.push(keyboardPen);
      }
      const [x, y] = keyboardPen[keyboardPen.length - 1];
      const [dx, dy] = moves[event.key];
      keyboardPen.push([Math.min(1, Math.max(0, x + dx * KEY_STEP)), Math.min(1, Math.max(0, y + dy * KEY_STEP))]);
      redraw();
    } else if ((event.key === 'Enter' || event.key === ' ') && keyboardPen) {
      event.preventDefault();
      keyboardPen = null;
      strokeEnded();
    }
  });

  clear.addEventListener('click', () => {
    strokes.length = 0;
    keyboardPen = null;
    redraw();
    strokeEnded();
  });
  undo.addEventListener('click', () => {
    strokes.pop();
    keyboardPen = null;
    redraw();
    strokeEnded();
  });

  new ResizeObserver(fitCanvas).observe(canvas);
  fitCanvas();
}
