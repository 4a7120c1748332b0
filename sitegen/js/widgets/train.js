// `train`: the TF.js MNIST codelab, in the page. Example images, the model summary, live
// loss/accuracy charts and a progress bar while training, then per-class accuracy and a
// confusion matrix with class names; the reader picks the model config, epochs, batch
// size, training-set size, learning rate and optimizer, can stop, and can download the
// trained model.
// DOM in train/view.js, the model and training runs in train/controller.js (training
// itself: lib/training-session.js, shared with model-builder); mount() wires them.
import {startWidget} from '../lib/shell.js';
import {loadDataset, WidgetError} from '../lib/resources.js';
import {progressBar, formatInt, whenSeen} from '../lib/ui.js';
import {TrainView} from './train/view.js';
import {TrainController} from './train/controller.js';

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'train');
  const loading = progressBar('Loading the data set');
  shell.body.append(loading.el);
  const data = await loadDataset(context, options.dataset, loading);
  loading.el.remove();
  const configs = modelConfigs(data, options);
  const examples = Array.from({length: Math.min(options.examples, data.numTrain)}, (_, i) =>
    ({pixels: data.image('train', i), name: data.classNames[data.label('train', i)] ?? '?'}));
  const view = new TrainView(shell.body, {
    options, configNames: Object.keys(configs), numTrain: data.numTrain, shape: data.shape, examples,
    status: `${formatInt(data.numTrain)} training and ${formatInt(data.numTest)} test examples loaded; ` +
            `backend: ${shell.backend.name}.`,
  });
  const controller = new TrainController({shell, data, configs, view, options, context});
  shell.expose({state: controller.state});
  view.bind(controller);
  await controller.freshModel();
  whenSeen(el, () => controller.warmUp());  // the first Train then starts without the shader wait
}

// The data set's model configs; the demo's `model` option must name one of them.
function modelConfigs(data, options) {
  const configs = data.manifest.modelConfigs || {};
  const names = Object.keys(configs);
  const title = data.manifest.title || options.dataset;
  if (names.length === 0) {
    throw new WidgetError(`The data set ${title} has no model configs to train.`,
      'Add model_configs to its [datasets] table in sitegen.toml and rebuild.');
  }
  if (options.model && !configs[options.model]) {
    throw new WidgetError(`The data set ${title} has no model config named ${options.model}.`,
      'Fix the demo block\'s model option and rebuild.', `Its model configs are: ${names.join(', ')}.`);
  }
  return configs;
}
