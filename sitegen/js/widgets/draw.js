// `draw`: sketch on a canvas, and the converted model guesses what it is at each stroke's
// end. The drawing is prepared like the model's data set (metadata.json `preprocessing`,
// lib/preprocess.js: from its pixels, or, for Quick Draw, whose bitmaps were rendered from
// strokes, from its strokes) and the small image the model sees is shown next to the
// guesses. The model runs in a worker (lib/predictor.js), so the page keeps drawing while
// it thinks.
// DOM in draw/view.js, strokes and predictions in draw/controller.js; mount() wires them.
import {startWidget} from '../lib/shell.js';
import {openPredictor} from '../lib/predictor.js';
import {showNotice} from '../lib/notice.js';
import {DrawView} from './draw/view.js';
import {DrawController, drawingRecipe} from './draw/controller.js';

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'draw', {pickBackend: false});
  const predictor = await openPredictor(context, options.model, (metadata) => metadata.preprocessing.input_shape, shell);
  if (predictor.notice) showNotice(el, predictor.notice).classList.add('sg-w-backend-notice');
  el.dataset.backend = predictor.backend;
  const recipe = drawingRecipe(predictor.metadata.preprocessing, options.model);
  const [rows, cols, channels = 1] = recipe.input_shape;
  const classNames = predictor.metadata.classes;
  const share = recipe.pen;  // by canvas kind (TABLES.preprocessing), when the demo sets no stroke
  const view = new DrawView(shell.body, {
    shape: [rows, cols, channels], classNames, topK: Math.min(options.top_k, classNames.length),
    backend: predictor.backend, where: predictor.where,
    penWidth: (side, cssSide) => (options.stroke > 0 ? options.stroke * (side / cssSide || 1) : side * share),
  });
  const controller = new DrawController({shell, predictor, recipe, view});
  shell.expose({numTensors: predictor.numTensors, backend: () => predictor.backend, state: controller.state});
  view.bind(controller, controller.strokes);
}
