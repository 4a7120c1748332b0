// The draw widget's state and actions: the strokes, and at each stroke's end a prediction
// of the drawing prepared like the model's data set (lib/preprocess.js) by the model in
// its worker (lib/predictor.js).
import TABLES from 'sitegen:tables';
import {FITS, prepareDrawing} from '../../lib/preprocess.js';
import {WidgetError} from '../../lib/resources.js';

// Timings of the last this many predictions stay in `state` (read by bench/bench_widgets.py).
const KEEP_TIMINGS = 100;

/**
 * How drawings become model input: metadata.json's `preprocessing` block, over its canvas
 * kind's entry of TABLES.preprocessing (so a block missing a key still has every key).
 */
export function drawingRecipe(preprocessing, modelName) {
  const known = TABLES.preprocessing[preprocessing.canvas] ?? TABLES.preprocessing.mnist;
  const recipe = {...known, ...preprocessing};
  if (!FITS[recipe.fit]) {
    throw new WidgetError(`The model "${modelName}" asks for drawings fitted by "${recipe.fit}", which this ` +
      `site's code does not know (known: ${Object.keys(FITS).join(', ')}).`, 'Rebuild the site with `sitegen build`.');
  }
  return recipe;
}

function keepLast(list, value) {
  list.push(value);
  if (list.length > KEEP_TIMINGS) list.shift();
}

export class DrawController {
  constructor({shell, predictor, recipe, view}) {
    Object.assign(this, {shell, predictor, recipe, view});
    this.strokes = [];  // each a list of [x, y] in 0..1 of the canvas side
    this.current = null;  // the stroke the pointer draws
    this.keyboardPen = null;  // the stroke the arrow keys draw
    this.asked = 0;  // predictions asked for; an answer to an older drawing is dropped
    this.state = {lastInput: null, lastProbabilities: null, latencies: [], modelTimes: [], predictions: 0,
      strokes: this.strokes, where: predictor.where, timings: predictor.timings};
  }

  get drawing() {
    return this.current !== null;
  }

  startStroke(point) {
    this.current = [point];
    this.strokes.push(this.current);
    this.view.redraw();
  }

  extendStroke(points) {
    if (!this.current) return;
    this.current.push(...points);
    this.view.redraw();
  }

  endStroke() {
    if (!this.current) return;
    this.current = null;
    this.strokeEnded();
  }

  keyStep(dx, dy) {
    if (!this.keyboardPen) {
      this.keyboardPen = [[0.5, 0.5]];
      this.strokes.push(this.keyboardPen);
    }
    const [x, y] = this.keyboardPen[this.keyboardPen.length - 1];
    this.keyboardPen.push([Math.min(1, Math.max(0, x + dx)), Math.min(1, Math.max(0, y + dy))]);
    this.view.redraw();
  }

  keyEnd() {
    if (!this.keyboardPen) return false;
    this.keyboardPen = null;
    this.strokeEnded();
    return true;
  }

  clear() {
    this.strokes.length = 0;
    this.keyboardPen = null;
    this.view.redraw();
    this.strokeEnded();
  }

  undo() {
    this.strokes.pop();
    this.keyboardPen = null;
    this.view.redraw();
    this.strokeEnded();
  }

  strokeEnded() {
    this.predict().catch((err) => this.shell.fail(err));
  }

  async predict() {
    const started = performance.now();
    const ticket = ++this.asked;
    const input = prepareDrawing(this.view.readDrawing(), this.recipe);
    if (!input) {
      this.view.showNothing();
      return;
    }
    const probabilities = await this.predictor.predict(input);
    if (ticket !== this.asked) return;
    // Painted with the answer, not before asking: a change now would start a frame that
    // competes with the model for the processor.
    this.view.showAnswer(input, probabilities);
    const state = this.state;
    state.lastInput = Array.from(input);
    state.lastProbabilities = Array.from(probabilities);
    keepLast(state.latencies, performance.now() - started);
    keepLast(state.modelTimes, this.predictor.lastModelMs);
    state.predictions += 1;
    this.shell.el.dataset.predictions = String(state.predictions);
  }
}
