// The draw widget's DOM: the drawing canvas with the keyboard pen's mark, Undo / Clear,
// the small image the model sees, the guesses and a status line. It paints strokes it is
// given and reports pointer, keyboard and button input to the controller's actions; it
// keeps no drawing of its own.
import {renderBars} from '../../lib/bars.js';
import {h, paintImage} from '../../lib/ui.js';

const KEY_STEP = 0.04;  // a keyboard arrow press moves the pen this share of the side
const PEN_KEYS = new Set(['Enter', ' ']);  // put the keyboard pen down, or lift it
const ARROWS = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
const WHERE_NAMES = {webgl: 'GPU (WebGL)', wasm: 'CPU (WebAssembly)', cpu: 'CPU (JavaScript)'};

export class DrawView {
  /**
   * @param body  the widget's frame (shell.body)
   * @param {{shape: number[], classNames: string[], topK: number, penWidth: (side, cssSide) => number,
   *          backend: string, where: string}} settings
   */
  constructor(body, settings) {
    this.settings = settings;
    const [rows, cols] = settings.shape;
    this.canvas = h('canvas', {class: 'sg-w-draw-canvas', tabindex: '0', role: 'img',
      'aria-label': 'Drawing area. Draw with a mouse, finger or pen; with the keyboard, arrow keys move ' +
        'the pen, and Space or Enter puts it down or lifts it.'});
    // Where the keyboard pen is (shown while the canvas has keyboard focus): a ring, filled
    // while the pen is down. Outside the canvas, so it is never part of the drawing.
    this.penMark = h('span', {class: 'sg-w-draw-pen', 'aria-hidden': 'true'});
    this.penState = h('span', {'aria-live': 'polite', text: 'The pen is up.'});
    this.seen = h('canvas', {class: 'sg-w-draw-seen', role: 'img', 'aria-label': 'The image the model sees'});
    this.guesses = h('ol', {class: 'sg-w-bars', 'aria-live': 'polite'});
    this.status = h('p', {class: 'sg-w-status', text: 'Draw something.'});
    this.clearButton = h('button', {type: 'button', text: 'Clear'});
    this.undoButton = h('button', {type: 'button', text: 'Undo'});
    this.showNothing();
    body.append(
      h('div', {class: 'sg-w-draw-layout'},
        h('div', {class: 'sg-w-draw-pad'},
          h('div', {class: 'sg-w-draw-paper'}, this.canvas, this.penMark),
          h('div', {class: 'sg-w-buttons'}, this.undoButton, this.clearButton),
          h('p', {class: 'sg-w-hint sg-w-draw-keys'},
            'Keyboard: arrow keys move the pen, Space or Enter puts it down or lifts it. ', this.penState)),
        h('div', {class: 'sg-w-draw-result'},
          h('figure', {}, this.seen, h('figcaption', {text: `What the model sees (${cols}x${rows})`})),
          this.guesses, this.status,
          h('p', {class: 'sg-w-hint sg-w-draw-runs-on', text: `The model runs on the ` +
            `${WHERE_NAMES[settings.backend] ?? settings.backend}` +
            (settings.where === 'worker' ? ' in a background thread.' : '.')}))));
  }

  /**
   * Paint `strokes` (each a list of [x, y] in 0..1 of the side) and report input to
   * `actions`: {drawing, pen, startStroke(p), extendStroke(points), endStroke(), penMove(dx, dy),
   * penToggle(), penUp(), clear(), undo()}.
   */
  bind(actions, strokes) {
    this.strokes = strokes;
    this.showPen(actions.pen);
    const canvas = this.canvas;
    canvas.addEventListener('pointerdown', (event) => {
      if (event.button > 0) return;
      canvas.setPointerCapture(event.pointerId);
      actions.startStroke(this.point(event));
      event.preventDefault();
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!actions.drawing) return;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      actions.extendStroke((events.length ? events : [event]).map((e) => this.point(e)));
    });
    canvas.addEventListener('pointerup', () => actions.endStroke());
    canvas.addEventListener('pointercancel', () => actions.endStroke());
    // Keyboard drawing: arrows move the pen, Space or Enter puts it down or lifts it; a
    // held key repeats moves, not toggles. Leaving the canvas lifts the pen.
    canvas.addEventListener('keydown', (event) => {
      const move = ARROWS[event.key];
      if (move) {
        event.preventDefault();
        actions.penMove(move[0] * KEY_STEP, move[1] * KEY_STEP);
      } else if (PEN_KEYS.has(event.key)) {
        event.preventDefault();
        if (!event.repeat) actions.penToggle();
      }
    });
    canvas.addEventListener('blur', () => actions.penUp());
    this.clearButton.addEventListener('click', () => actions.clear());
    this.undoButton.addEventListener('click', () => actions.undo());
    new ResizeObserver(() => this.fitCanvas()).observe(canvas);
    this.fitCanvas();
  }

  // The backing store follows the CSS size times devicePixelRatio, so lines stay sharp.
  fitCanvas() {
    const css = this.canvas.clientWidth || 280;
    const side = Math.round(css * (window.devicePixelRatio || 1));
    if (this.canvas.width !== side) {
      this.canvas.width = side;
      this.canvas.height = side;
    }
    this.redraw();
  }

  /** Paint the strokes given to bind(). */
  redraw() {
    const context2d = this.canvas.getContext('2d', {willReadFrequently: true});
    const side = this.canvas.width;
    context2d.clearRect(0, 0, side, side);
    context2d.lineCap = 'round';
    context2d.lineJoin = 'round';
    context2d.strokeStyle = '#000';
    context2d.fillStyle = '#000';
    context2d.lineWidth = this.settings.penWidth(side, this.canvas.clientWidth);
    for (const stroke of this.strokes) {
      context2d.beginPath();
      if (stroke.length === 1) {
        context2d.arc(stroke[0][0] * side, stroke[0][1] * side, context2d.lineWidth / 2, 0, 2 * Math.PI);
        context2d.fill();
      } else {
        stroke.forEach(([x, y], i) => (i ? context2d.lineTo(x * side, y * side) : context2d.moveTo(x * side, y * side)));
        context2d.stroke();
      }
    }
  }

  /** Show where the keyboard pen ({at: [x, y] in 0..1, stroke: null while up}) is. */
  showPen({at, stroke}) {
    this.penMark.style.left = `${(100 * at[0]).toFixed(2)}%`;
    this.penMark.style.top = `${(100 * at[1]).toFixed(2)}%`;
    this.penMark.classList.toggle('sg-w-draw-pen-down', Boolean(stroke));
    const said = stroke ? 'The pen is down.' : 'The pen is up.';
    if (this.penState.textContent !== said) this.penState.textContent = said;
  }

  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [(event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height];
  }

  /** The drawing as RGBA ImageData. */
  readDrawing() {
    return this.canvas.getContext('2d', {willReadFrequently: true}).getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  showNothing() {
    const [rows, cols, channels] = this.settings.shape;
    this.guesses.replaceChildren();
    paintImage(this.seen, new Float32Array(rows * cols * channels), rows, cols, channels, 255);
    this.status.textContent = 'Draw something.';
  }

  /** The model's input ([0, 1] floats) and its answer. */
  showAnswer(input, probabilities) {
    const [rows, cols, channels] = this.settings.shape;
    paintImage(this.seen, input, rows, cols, channels, 255);
    renderBars(this.guesses, probabilities, this.settings.classNames, this.settings.topK);
    const best = this.guesses.querySelector('.sg-w-bar-name')?.textContent;
    this.status.textContent = `Best guess: ${best}.`;
  }
}
