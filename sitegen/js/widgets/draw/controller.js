// The draw widget's state and actions: the strokes, the keyboard pen, and at each stroke's
// end a prediction of the drawing prepared like the model's data set (lib/preprocess.js:
// from the canvas' pixels, or for data rendered from strokes, from the strokes themselves)
// by the model in its worker (lib/predictor.js).
import TABLES from 'sitegen:tables';
import {KNOWN_FITS, prepareDrawing, prepareStrokes, readsStrokes} from '../../lib/preprocess.js';
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
  if (!KNOWN_FITS.includes(recipe.fit)) {
    throw new WidgetError(`The model ${modelName} asks for a way of fitting drawings that this site's code ` +
      'does not know.', 'Rebuild the site with `sitegen build`.', `fit ${recipe.fit}; known: ${KNOWN_FITS.join(', ')}`);
  }
  return recipe;
}

const clamp = (v) => Math.min(1, Math.max(0, v));

function keepLast(list, value) {
  list.push(value);
  if (list.length > KEEP_TIMINGS) list.shift();
}

export class DrawController {
  constructor({shell, predictor, recipe, view}) {
    Object.assign(this, {shell, predictor, recipe, view});
    this.strokes = [];  // each a list of [x, y] in 0..1 of the canvas side
    this.current = null;  // the stroke the pointer draws
    // The keyboard pen: where it is (0..1 of the side), and while it is down, its stroke.
    // It starts up, in the centre; the arrows move it, so a stroke can start anywhere.
    this.pen = {at: [0.5, 0.5], stroke: null};
    this.asked = 0;  // predictions asked for; an answer to an older drawing is dropped
    this.state = {lastInput: null, lastProbabilities: null, latencies: [], modelTimes: [], predictions: 0,
      strokes: this.strokes, pen: this.pen, where: predictor.where, timings: predictor.timings};
  }

  get drawing() {
    return this.current !== null;
  }

  startStroke(point) {
    this.liftPen();  // the pointer takes over: a keyboard stroke ends here, unasked
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

  /** Move the keyboard pen; while it is down, its stroke follows. */
  penMove(dx, dy) {
    const pen = this.pen;
    pen.at = [clamp(pen.at[0] + dx), clamp(pen.at[1] + dy)];
    if (pen.stroke) {
      pen.stroke.push(pen.at);
      this.view.redraw();
    }
    this.view.showPen(pen);
  }

  /** Put the keyboard pen down (a stroke starts where it is) or lift it (the stroke ends). */
  penToggle() {
    const pen = this.pen;
    if (pen.stroke) {
      this.penUp();
      return;
    }
    pen.stroke = [pen.at];
    this.strokes.push(pen.stroke);
    this.view.redraw();
    this.view.showPen(pen);
  }

  /** Lift the keyboard pen, if it is down, ending its stroke like a pointer's. */
  penUp() {
    if (!this.pen.stroke) return;
    this.liftPen();
    this.strokeEnded();
  }

  // The keyboard pen goes up without asking for a prediction: the caller asks, or the
  // pointer's stroke that took over will.
  liftPen() {
    if (!this.pen.stroke) return;
    this.pen.stroke = null;
    this.view.showPen(this.pen);
  }

  clear() {
    this.strokes.length = 0;
    this.liftPen();
    this.view.redraw();
    this.strokeEnded();
  }

  undo() {
    this.strokes.pop();
    this.liftPen();
    this.view.redraw();
    this.strokeEnded();
  }

  strokeEnded() {
    this.predict().catch((err) => this.shell.fail(err));
  }

  async predict() {
    const started = performance.now();
    const ticket = ++this.asked;
    const input = readsStrokes(this.recipe)
      ? prepareStrokes(this.strokes, this.recipe)
      : prepareDrawing(this.view.readDrawing(), this.recipe);
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
