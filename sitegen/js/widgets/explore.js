// `explore`: browse a data set's split by index (the EMNIST viewer). Previous / next /
// random, or only the examples the model gets wrong; the image large, its true label, and
// with a model its guess and confidence.
// The guesses for the test split come with the model (the build ran it over the split):
// the explorer stands as soon as the data is in, while the model loads beside it and then
// checks the guess for the example on screen in this browser (explore/browser-check.js).
// DOM in explore/view.js, state and moves in explore/controller.js; mount() wires them.
import {startWidget} from '../lib/shell.js';
import {loadDataset, loadModel, loadModelMetadata, WidgetError} from '../lib/resources.js';
import {progressBar, formatInt, formatPercent} from '../lib/ui.js';
import {ExploreView} from './explore/view.js';
import {ExploreController, exploreFacts, predictAll} from './explore/controller.js';
import {loadTestPredictions, mismatch} from './explore/test-predictions.js';
import {BrowserCheck} from './explore/browser-check.js';

export async function mount(el, {options, ...context}) {
  const shell = await startWidget(el, 'explore');
  const loading = progressBar('Loading');
  shell.body.append(loading.el);
  // Model, build's answers and data load at once (the first two from one metadata.json); a
  // failure of the first two is dealt with below.
  const metadata = options.model ? loadModelMetadata(context, options.model) : null;
  const modelLoading = options.model ? loadModel(context, options.model, metadata) : null;
  const builtLoading = options.model ? loadTestPredictions(context, options.model, metadata) : null;
  modelLoading?.catch(() => {});
  builtLoading?.catch(() => {});
  const data = await loadDataset(context, options.dataset, loading);
  const split = options.split;
  const count = data.count(split);
  if (count === 0) {
    throw new WidgetError(`The ${split} split of the data set ${data.manifest?.title || options.dataset} is empty.`,
      'Pick the other split in the demo block.');
  }
  let answers = null;
  let built = null;
  if (options.model) {
    built = await builtLoading.catch((err) => {
      console.warn(`The build's test predictions of "${options.model}" are not usable: ${err.message}`);
      return null;
    });
    const unusable = built && mismatch(built.description, data, split);
    if (unusable) console.info(`The build's test predictions of "${options.model}" are not used: ${unusable}.`);
    if (built && !unusable) {
      answers = built.answers;
    } else {
      built = null;
      const {model} = await modelLoading;
      loading.set(0, 'Asking the model about every example…');
      answers = await predictAll(model, data, split,
        (fraction) => loading.set(fraction, `Model guesses: ${formatPercent(fraction)}`));
      model.dispose();
    }
  }
  loading.el.remove();
  const {truth, mistakes} = exploreFacts(data, split, answers);
  const start = Math.min(options.start, count - 1);
  const view = new ExploreView(shell.body, {split, count, start, withModel: Boolean(answers), mistakes: mistakes.length,
    checked: Boolean(built), note: built && provenance(built.metadata)});
  let controller = null;
  const check = built && new BrowserCheck({modelLoading, data, split,
    report: (index, result) => controller.browserSays(index, result)});
  controller = new ExploreController({data, split, answers, check, truth, mistakes, view, el});
  shell.expose({state: controller.state});
  view.bind(controller);
  controller.show(start);
}

/** Where the build's guesses come from, for the curious reader: quantized weights, and any
 * difference from the Keras model before conversion. */
function provenance(metadata) {
  const weights = ['float16', 'uint8'].includes(metadata.quantize) ? ` (its ${metadata.quantize} weights)` : '';
  let text = `Guesses computed when this site was built, with the model this page loads${weights}; ` +
    'this browser checks the one shown.';
  const agreement = metadata.test_predictions.keras_agreement;
  if (agreement && agreement.same_top_class < agreement.examples) {
    const differing = agreement.examples - agreement.same_top_class;
    text += ` Before conversion, the Keras model's guess differed on ${formatInt(differing)} of ` +
      `${formatInt(agreement.examples)} test examples.`;
  }
  return text;
}
