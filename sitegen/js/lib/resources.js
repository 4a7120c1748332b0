// Load a data set (its data.js) and a model (model.json + metadata.json) for a widget,
// turning failures into messages that say what to do. tfjs is imported when first needed:
// a widget whose model runs in a worker never loads it on the page.
import {checkedFetch} from './checked-fetch.js';
import {formatPercent} from './ui.js';

/** An error a reader can act on: `hint` says what to do. */
export class WidgetError extends Error {
  constructor(message, hint) {
    super(message);
    this.name = 'WidgetError';
    this.hint = hint;
  }
}

export const NETWORK_HINT = 'Check your connection and reload the page. If you run the site yourself, ' +
  'rebuild it with `sitegen build` and serve the whole output folder.';

export async function fetchJson(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new WidgetError(`Could not download ${what} (${err.message}).`, NETWORK_HINT);
  }
  if (!response.ok) throw new WidgetError(`Could not download ${what}: ${url} answered HTTP ${response.status}.`, NETWORK_HINT);
  try {
    return await response.json();
  } catch (err) {
    throw new WidgetError(`${what} at ${url} is not valid JSON.`, 'Rebuild the site with `sitegen build`.');
  }
}

/** The MnistData of data set `name`, loaded with its progress shown on `bar` (ui.progressBar). */
export async function loadDataset(context, name, bar) {
  const onProgress = ({fraction}) => bar.set(fraction, `Loading ${name}: ${formatPercent(fraction)}`);
  const url = new URL('data.js', context.dataUrl(name)).href;
  let module;
  try {
    module = await import(url);
  } catch (err) {
    throw new WidgetError(`Could not load the data set "${name}" (${url}).`, NETWORK_HINT);
  }
  const data = new module.MnistData({tf: await import('@tensorflow/tfjs')});
  try {
    await data.load({onProgress});
  } catch (err) {
    throw new WidgetError(`The data set "${name}" failed to load: ${err.message}`, NETWORK_HINT);
  }
  return data;
}

/** The metadata.json of converted model `name` (a promise, to share between its readers). */
export function loadModelMetadata(context, name) {
  return fetchJson(new URL('metadata.json', context.modelUrl(name)), `the metadata of model "${name}"`);
}

/** {model, metadata} of converted model `name`; `metadata`: its metadata.json, when already asked for. */
export async function loadModel(context, name, metadata = loadModelMetadata(context, name)) {
  const base = context.modelUrl(name);
  metadata = await metadata;
  let model;
  try {
    const tf = await import('@tensorflow/tfjs');
    model = await tf.loadLayersModel(new URL('model.json', base).href, {fetchFunc: checkedFetch});
  } catch (err) {
    throw new WidgetError(`The model "${name}" could not be loaded: ${err.message}`, NETWORK_HINT);
  }
  return {model, metadata};
}
