// `model-builder` (the deeplearn.js model builder): pick a data set and a model config
// from data/datasets-config.json, edit the layer list with live shape inference, pick the
// optimizer and hyperparameters, train and stop, and watch cost, accuracy and examples
// per second while a gallery of test examples shows the model's guesses.
// DOM in model-builder/view.js (the layer editor: layers-view.js), state and training in
// model-builder/controller.js (training itself: lib/training-session.js); mount() wires them.
import * as tf from '@tensorflow/tfjs';
import {startWidget} from '../lib/shell.js';
import {whenSeen} from '../lib/ui.js';
import {fetchJson, WidgetError} from '../lib/resources.js';
import {BuilderView} from './model-builder/view.js';
import {BuilderController, datasetName} from './model-builder/controller.js';

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'model-builder');
  const catalog = await fetchJson(new URL('data/datasets-config.json', context.root), 'the list of data sets');
  const titles = Object.keys(catalog);
  const startTitle = titles.find((t) => datasetName(catalog[t]) === options.dataset) ?? titles[0];
  if (!startTitle) throw new WidgetError('This site has no data sets to train on.', 'Declare one in sitegen.toml and rebuild.');
  const view = new BuilderView(shell.body, {options, titles, startTitle});
  const controller = new BuilderController({shell, catalog, view, options, context});
  shell.expose({state: controller.state});
  view.bind(controller);
  await controller.loadDataset();
  controller.state.baselineTensors = tf.memory().numTensors;
  whenSeen(el, () => controller.warmUp());  // the first Train then starts without the shader wait
}
