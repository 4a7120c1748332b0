// `explore`: browse a data set's split by index (the EMNIST viewer). Previous / next /
// random, or only the examples the model gets wrong; the image large, its true label, and
// with a model its guess and confidence.
// DOM in explore/view.js, state and moves in explore/controller.js; mount() wires them.
import {startWidget} from '../lib/shell.js';
import {loadDataset, loadModel, WidgetError} from '../lib/resources.js';
import {progressBar, formatPercent} from '../lib/ui.js';
import {ExploreView} from './explore/view.js';
import {ExploreController, exploreFacts, predictAll} from './explore/controller.js';

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'explore');
  const loading = progressBar('Loading');
  shell.body.append(loading.el);
  const data = await loadDataset(context, options.dataset, loading);
  const split = options.split;
  const count = data.count(split);
  if (count === 0) throw new WidgetError(`The ${split} split of "${options.dataset}" is empty.`, 'Pick the other split.');
  let predictions = null;
  if (options.model) {
    const {model} = await loadModel(context, options.model);
    loading.set(0, 'Asking the model about every example…');
    predictions = await predictAll(model, data, split,
      (fraction) => loading.set(fraction, `Model guesses: ${formatPercent(fraction)}`));
    model.dispose();
  }
  loading.el.remove();
  const {truth, mistakes} = exploreFacts(data, split, predictions);
  const start = Math.min(options.start, count - 1);
  const view = new ExploreView(shell.body, {split, count, start, withModel: Boolean(predictions), mistakes: mistakes.length});
  const controller = new ExploreController({data, split, predictions, truth, mistakes, view, el});
  shell.expose({state: controller.state});
  view.bind(controller);
  controller.show(start);
}
